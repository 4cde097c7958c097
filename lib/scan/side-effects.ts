import { isAccessDenied } from '../atlas';
import type { CredentialsCheck } from '../credentials';
import { describeError, kindOf, type Observation, type ReadContext } from '../kinds';
import { holdCandidates, type Plan } from '../plan';
import type { ReportError } from '../report';

/**
 * Weighs what the planned deletes of one project would remove besides themselves (a kind's
 * `sideEffectOf`). Allowed by configuration: the candidates say so (`alsoRemoves`). Not allowed, or not
 * knowable because the read failed: they are kept with cause `sideEffect` and a reason naming it.
 */
export async function weighSideEffects(
  ctx: ReadContext,
  projectId: string,
  plan: Plan,
  seen: readonly Observation[],
  allowed: ReadonlySet<string>,
  errors: ReportError[],
  checkCredentials?: CredentialsCheck,
): Promise<void> {
  for (const kindName of new Set(plan.candidates.map((c) => c.kind))) {
    const kind = kindOf(kindName);
    if (!kind.sideEffectOf) continue;
    const going = plan.candidates.filter((c) => c.kind === kindName);
    try {
      const effect = await kind.sideEffectOf(ctx, projectId, going.map((c) => c.ref), seen.filter((o) => o.ref.kind === kindName));
      if (!effect) continue;
      const affected = (c: { kind: string; id: string }) => c.kind === kindName && effect.affects.includes(c.id);
      if (allowed.has(effect.setting)) {
        for (const c of going.filter(affected)) c.alsoRemoves = effect.description;
      } else {
        holdCandidates(plan, affected, 'sideEffect', `not planned: ${effect.description}; set ${effect.setting}=true to allow it`);
      }
    } catch (error) {
      if (isAccessDenied(error)) await checkCredentials?.(error);
      const { message, errorCode } = describeError(error);
      errors.push({ projectId, kind: kindName, message: `what deleting would also remove could not be read: ${message}`, ...(errorCode ? { errorCode } : {}) });
      holdCandidates(plan, (c) => c.kind === kindName, 'sideEffect', `not planned: what its delete would also remove could not be read (${message})`);
    }
  }
}
