/**
 * Bad input from outside (an environment variable, a message, a flag): `field` names where, the message
 * says what is wrong and never echoes the value (it may be a secret). Subclasses only name the origin.
 */
export class FieldValidationError extends Error {
  override readonly name: string = 'FieldValidationError';
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}
