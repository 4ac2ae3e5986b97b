/**
 * Executes the `operations` of analyzer and responder reports on the TheHive side, as TheHive
 * does: AddTagToCase, AddTagToArtifact, AddTagToAlert, MarkAlertAsRead, CreateTask, AddLogToTask,
 * CloseTask, AssignCase, AddArtifactToCase. Each result is recorded with the operation
 * (`status` Success/Failure and a message); one failing operation does not stop the others.
 */
import type { Services } from '../../services/index.js';
import { systemActor } from '../../services/actor.js';

export interface OperationContext {
  orgId: string;
  caseId?: string;
  alertId?: string;
  observableId?: string;
  taskId?: string;
}

export type OperationResult = Record<string, unknown> & { type: string; status: 'Success' | 'Failure'; message: string };

export type OperationRunner = (ctx: OperationContext, operations: readonly unknown[]) => Promise<OperationResult[]>;

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is not available for this operation`);
  return v;
}

export function operationRunner(s: Services): OperationRunner {
  return async (ctx, operations) => {
    const org = await s.store.get('organisation', ctx.orgId);
    const actor = systemActor(ctx.orgId, String(org?.name ?? ''));
    const out: OperationResult[] = [];
    let createdTask: string | undefined;
    for (const raw of operations) {
      const op = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const type = String(op.type ?? '');
      const str = (k: string): string => {
        const v = op[k];
        if (typeof v !== 'string' || v === '') throw new Error(`${type} needs "${k}"`);
        return v;
      };
      try {
        switch (type) {
          case 'AddTagToCase':
            await s.cases.update(actor, need(ctx.caseId, 'a case'), { addTags: [str('tag')] });
            break;
          case 'AddTagToArtifact':
            await s.observables.update(actor, need(ctx.observableId, 'an observable'), { addTags: [str('tag')] });
            break;
          case 'AddTagToAlert':
            await s.alerts.update(actor, need(ctx.alertId, 'an alert'), { addTags: [str('tag')] });
            break;
          case 'MarkAlertAsRead':
            await s.alerts.markRead(actor, need(ctx.alertId, 'an alert'), true);
            break;
          case 'CreateTask':
            createdTask = (
              await s.tasks.create(actor, need(ctx.caseId, 'a case'), {
                title: str('title'),
                ...(typeof op.description === 'string' ? { description: op.description } : {}),
              })
            )._id;
            break;
          case 'AddLogToTask':
            await s.logs.create(actor, need(ctx.taskId ?? createdTask, 'a task'), { message: str('content') });
            break;
          case 'CloseTask':
            await s.tasks.update(actor, need(ctx.taskId, 'a task'), { status: 'Completed' });
            break;
          case 'AssignCase':
            await s.cases.update(actor, need(ctx.caseId, 'a case'), { assignee: str('owner') });
            break;
          case 'AddArtifactToCase': {
            const dataType = str('dataType');
            const r = await s.observables.createInCase(actor, need(ctx.caseId, 'a case'), async () => ({
              input: { dataType, data: str('data'), ...(typeof op.message === 'string' ? { message: op.message } : {}) },
              files: [],
            }));
            if (r.failure.length) throw new Error(String(r.failure[0]?.message ?? 'not created'));
            break;
          }
          default:
            throw new Error(`Unknown operation ${type || '(no type)'}`);
        }
        out.push({ ...op, type, status: 'Success', message: 'Success' });
      } catch (e) {
        out.push({ ...op, type, status: 'Failure', message: (e as Error).message });
      }
    }
    return out;
  };
}
