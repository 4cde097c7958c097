export {
  NO_PROTECTIONS,
  ProtectionRegistryError,
  describeProtection,
  needsProjectName,
  parseRegistry,
  protectionsFor,
  type ProjectProtections,
  type Protection,
} from './registry';
export { protectionSource, type ParameterReader, type ProtectionSource } from './source';
