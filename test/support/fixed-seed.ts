import fc from 'fast-check';

/**
 * The seed every property test draws from in a mutation run, so a mutant killed once is killed every
 * time; FC_SEED overrides it to replay or vary.
 */
export const MUTATION_SEED = Number(process.env['FC_SEED'] ?? 20_260_226);

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: MUTATION_SEED });
