import { FieldValidationError } from '../errors/field-error';

/** A configuration value is missing or malformed; `field` names the environment variable or key. */
export class ConfigError extends FieldValidationError {
  override readonly name = 'ConfigError';
}
