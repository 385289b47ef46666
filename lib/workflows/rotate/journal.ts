/**
 * The rotation journal: one document in the store, written before and after every step,
 * so that a run that dies anywhere leaves a record from which the next run resumes (or
 * rolls back) without guessing. Every write names the version it read: two runs cannot
 * both advance the same journal.
 */
import { HubcertsError, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CaStore } from '../../store/types.js';
import { JOURNAL_DOC, type Loaded, writeDoc } from './documents.js';
import { sideOf } from './facts.js';
import type {
  JournalDocument,
  JournalEntry,
  JournalFacts,
  PlanDocument,
  RotationContext,
  RotationRequest,
} from './model.js';

/** A step failed; the journal says how far the rotation got, `step` names where it stopped. */
export class RotationStepError extends HubcertsError {
  constructor(
    readonly step: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Phase = JournalEntry['phase'];

/** What a step hands back: facts to keep in the journal, and details for its entry and log. */
export interface StepOutcome {
  facts?: JournalFacts;
  details?: NonNullable<JournalEntry['facts']>;
}

/** The journal document as the run holds it, with the version its next write names. */
export class Journal {
  private constructor(
    private readonly store: CaStore,
    private current: Loaded<JournalDocument>,
    private readonly now: () => Date,
  ) {}

  /** Creates the journal, replacing `replacing` (a finished rotation's) or only if absent. */
  static async create(
    store: CaStore,
    doc: JournalDocument,
    replacing: string | null,
    now: () => Date,
  ): Promise<Journal> {
    const version = await writeDoc(store, JOURNAL_DOC, doc, replacing);
    return new Journal(store, { value: doc, version }, now);
  }

  static open(store: CaStore, loaded: Loaded<JournalDocument>, now: () => Date): Journal {
    return new Journal(store, loaded, now);
  }

  get doc(): JournalDocument {
    return this.current.value;
  }

  isDone(phase: Phase, step: string): boolean {
    return this.doc.entries.some(
      (e) => e.phase === phase && e.step === step && e.status === 'done',
    );
  }

  /** Applies `change` to a copy of the document and writes it conditionally. */
  async update(change: (doc: JournalDocument) => void): Promise<void> {
    const next = structuredClone(this.doc);
    change(next);
    const version = await writeDoc(this.store, JOURNAL_DOC, next, this.current.version);
    this.current = { value: next, version };
  }

  async record(entry: Omit<JournalEntry, 'at'>, facts: JournalFacts = {}): Promise<void> {
    await this.update((doc) => {
      doc.entries.push({ at: this.now().toISOString(), ...entry });
      Object.assign(doc.facts, facts);
    });
  }

  /**
   * Runs `action` as step `step` of `phase` unless the journal already has it done: journals
   * `started`, runs, journals `done` with what the step learnt. A failure is journalled
   * (best effort: the journal itself may be what failed) and rethrown as RotationStepError.
   */
  async step(
    phase: Phase,
    step: string,
    by: string,
    log: Logger,
    action: () => Promise<StepOutcome | undefined>,
  ): Promise<void> {
    if (this.isDone(phase, step)) {
      log.info(`${phase} step ${step} already done; skipping`, { step });
      return;
    }
    await this.record({ phase, step, status: 'started', by });
    log.info(`${phase} step ${step} started`, { step });
    let outcome: Awaited<ReturnType<typeof action>>;
    try {
      outcome = await action();
    } catch (error) {
      const message = messageOf(error);
      log.error(`${phase} step ${step} failed`, { step, reason: message });
      await this.record({ phase, step, status: 'failed', by, message }).catch((journalError) =>
        log.warn('could not journal the failure', { step, reason: messageOf(journalError) }),
      );
      if (error instanceof RotationStepError) throw error;
      throw new RotationStepError(step, `${phase} step ${step} failed: ${message}`, {
        cause: error,
      });
    }
    await this.record({ phase, step, status: 'done', by, facts: outcome?.details }, outcome?.facts);
    log.info(`${phase} step ${step} done`, { step, ...outcome?.details });
  }
}

/** The journal an apply of `plan` starts with. */
export function journalFor(
  plan: PlanDocument,
  request: RotationRequest,
  ctx: RotationContext,
): JournalDocument {
  return {
    kind: 'hubcerts/rotation-journal',
    planId: plan.id,
    hub: plan.hub,
    state: 'applying',
    store: ctx.store.ref,
    secret: ctx.publication.secret.ref,
    plannedBy: plan.plannedBy,
    approvedBy: request.approvedBy!.trim(),
    ...(request.reason ? { reason: request.reason } : {}),
    force: request.force === true,
    planStoreVersion: plan.store.version,
    inventoryRevision: plan.inventoryRevision,
    consumers: plan.consumers,
    restart: plan.restart,
    old: plan.old,
    new: sideOf(plan.pending.set, plan.pending.leaves['proxy-client'].cert),
    facts: {},
    startedAt: ctx.now().toISOString(),
    entries: [],
  };
}
