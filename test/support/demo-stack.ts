import { startLocalDynamo, type LocalDynamo } from '../../tools/local/dynamo';
import { DEMO } from './demo';
import { fakeS3 } from './fake-s3';
import { startPipeline, type Pipeline } from './pipeline';
import { DEMO_SCENARIO_PATH } from './sim-http';

/** The demo estate's pipeline (simulator, queues, the functions), a local DynamoDB and a fake S3. */
export interface DemoStack {
  pipeline: Pipeline;
  dynamo: LocalDynamo;
  s3: ReturnType<typeof fakeS3>;
}

/** Starts a DemoStack; `deleteDelayMs`: how long the simulator takes to finish a delete. */
export async function startDemoStack(deleteDelayMs: number): Promise<DemoStack> {
  const pipeline = await startPipeline({ simulator: { scenario: DEMO_SCENARIO_PATH, deleteDelayMs }, credentials: DEMO.apiKey });
  const dynamo = await startLocalDynamo();
  return { pipeline, dynamo, s3: fakeS3() };
}

/** Stops what started (any part may be missing when starting failed). */
export async function stopDemoStack(stack: Partial<DemoStack>): Promise<void> {
  stack.s3?.mock.restore();
  await stack.dynamo?.stop();
  await stack.pipeline?.stop();
}
