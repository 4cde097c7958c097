export { deleteJobSchema, jobFor, jobIdFor, refOf, type DeleteJob, type JobContext } from './job';
export {
  MessageValidationError,
  parseDeleteJob,
  parseMessage,
  parseScanRequest,
  parseSweepEvent,
  scanRequestSchema,
  sweepEventSchema,
  type ScanRequest,
  type SweepEvent,
} from './messages';
export { EnqueueError, sendAll, type OutgoingMessage, type SendFailure, type SendOptions } from './queue';
export { MAX_VISIBILITY_SECONDS, redeliverAfter, retryVisibilitySeconds } from './redelivery';
export { sendToDeadLetterQueue, type DeadLetter } from './dead-letter';
