export { CredentialStore, type CredentialStoreOptions } from './store';
export { CredentialsError, credentialsFromEnvironment, parseSecret, type AtlasAccess } from './secret';
export { clientFactory, withAtlas, type ClientFactory } from './session';
export { CredentialsRefusedError, credentialsCheck, fatalKind, needsAPerson, type CredentialsCheck } from './refusal';
