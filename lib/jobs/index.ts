export { deleteJobSchema, jobFor, jobIdFor, refOf, type DeleteJob, type JobContext } from './job';
export {
  MessageValidationError,
  parseDeleteJob,
  parseMessage,
  parseScanRequest,
  parseSweepEvent,
  scanRequestSchema,
  sweepEventSchema,
  scheduledEventSchema,
  type ScanRequest,
  type SweepEvent,
} from './messages';
export { SWEEP_ID_FORMAT, sweepIdSchema } from './sweep-id';
export { EnqueueError, sendAll, type OutgoingMessage, type SendFailure, type SendOptions } from './queue';
export { receiveCountOf, redeliverAfter, retryVisibilitySeconds } from './redelivery';
export { EMPTY_BODY, sendToDeadLetterQueue, type DeadLetter } from './dead-letter';
export { deadLetterNow, messageRefOf, retryLater, type DisposalDeps, type Disposition, type LetterFields, type MessageRef } from './disposal';
export { DELETE_ROLE_MISSING, lackTheRole, roleRefusalNotice, roleRefusedProjects } from './role-refusal';
