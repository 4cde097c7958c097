// State names per resource and provider, as the Atlas Admin API documents them.
// Anything not named in a rule is kept: an unknown state is never a reason to delete.

/** Endpoint service `status` values under which its endpoints are orphans. */
export const DEAD_SERVICE_STATES: ReadonlySet<string> = new Set(['FAILED', 'DELETING']);

export const ENDPOINT_SERVICE_FAILED = 'FAILED';
export const ENDPOINT_SERVICE_DELETING = 'DELETING';

/** AWS interface endpoint `connectionStatus`. */
export const AWS_ENDPOINT_REJECTED = 'REJECTED';
/** Azure/GCP endpoint `status`. */
export const ENDPOINT_FAILED = 'FAILED';
export const ENDPOINT_DELETING = 'DELETING';

/** AWS peer `statusName`, and the `errorStateName` values that mean the request is dead. */
export const AWS_PEER_FAILED = 'FAILED';
export const AWS_PEER_TERMINATING = 'TERMINATING';
export const AWS_PEER_DEAD_ERROR_STATES: ReadonlySet<string> = new Set(['REJECTED', 'EXPIRED', 'INVALID_ARGUMENT']);
/** Peer states that wait on the user (AWS `statusName`, GCP `status`): normal while young. */
export const AWS_PEER_WAITING = 'PENDING_ACCEPTANCE';
export const PEER_WAITING = 'WAITING_FOR_USER';
/** Endpoint service states in which a service with no endpoint is waiting for its first one. */
export const ENDPOINT_SERVICE_IDLE_STATES: ReadonlySet<string> = new Set(['WAITING_FOR_USER', 'AVAILABLE']);
/** Azure/GCP peer `status`. */
export const PEER_FAILED = 'FAILED';
export const PEER_DELETING = 'DELETING';

/** Stream Processing private link `state`. */
export const STREAMS_FAILED_STATES: ReadonlySet<string> = new Set(['FAILED', 'DELETE_FAILED']);
export const STREAMS_DELETING_STATES: ReadonlySet<string> = new Set(['DELETE_REQUESTED', 'DELETING', 'DELETED']);

/** Pseudo-states for reads that did not give an Atlas state. */
export const NOT_FOUND = 'NOT_FOUND';
export const INVALID_ID = 'INVALID_ID';
export const READ_FAILED = 'READ_FAILED';
