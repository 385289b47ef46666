/**
 * Fault injection shared by every emulator. A test adds a rule: "the Nth request that matches
 * this method, path or kind fails in this way", once or from then on. The emulator asks the
 * registry for each request it receives and applies what it gets back.
 */
import type { RecordedRequest } from './server.js';

/** Which requests a rule looks at. Every given field must match; none given matches all. */
export interface FaultMatch {
  /** HTTP method as the client sent it (`LIST` for Vault lists). */
  method?: string;
  /** A regular expression tested against the path, or the exact path. */
  path?: RegExp | string;
  /** The emulator's name for the request (Kubernetes plural, Vault area, AWS operation). */
  kind?: string;
  /** Any further condition, for example on the body. */
  where?: (request: RecordedRequest) => boolean;
}

/**
 * Answer with this status. Without `body` the emulator sends the real error body for that
 * status. `afterApply` first performs the request, as a server does when it times out after
 * committing the change.
 */
export interface StatusFault {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** 429 and 503: the `Retry-After` header and, in Kubernetes, `details.retryAfterSeconds`. */
  retryAfterSeconds?: number;
  latencyMs?: number;
  afterApply?: boolean;
}

/** Answer normally, but only after a pause. */
export interface LatencyFault {
  latencyMs: number;
}

/** Drop the connection without an answer (a TCP reset where the transport allows it). */
export interface ResetFault {
  reset: true;
  latencyMs?: number;
  afterApply?: boolean;
}

export type Fault = StatusFault | LatencyFault | ResetFault;

export interface FaultSpec {
  match?: FaultMatch;
  /** The first matching request the fault hits, counting from 1. Default 1. */
  nth?: number;
  /** `once` (default) hits only the Nth match; `always` hits the Nth and every later one. */
  repeat?: 'once' | 'always';
  fault: Fault;
}

/** A rule as added, with counters a test can assert on. */
export interface FaultRule extends Readonly<FaultSpec> {
  /** Requests that matched so far. */
  readonly matched: number;
  /** Requests the fault was applied to so far. */
  readonly fired: number;
}

class ActiveRule implements FaultRule {
  matched = 0;
  fired = 0;
  readonly match: FaultMatch | undefined;
  readonly nth: number;
  readonly repeat: 'once' | 'always';
  readonly fault: Fault;

  constructor(spec: FaultSpec) {
    this.match = spec.match;
    this.nth = spec.nth ?? 1;
    this.repeat = spec.repeat ?? 'once';
    this.fault = spec.fault;
  }

  matches(request: RecordedRequest): boolean {
    const m = this.match;
    if (!m) return true;
    if (m.method !== undefined && m.method.toUpperCase() !== request.method) return false;
    if (typeof m.path === 'string' && m.path !== request.path) return false;
    if (m.path instanceof RegExp && !m.path.test(request.path)) return false;
    if (m.kind !== undefined && m.kind !== request.kind) return false;
    return m.where === undefined || m.where(request);
  }

  /** Counts the request and says whether the fault is due for it. */
  due(request: RecordedRequest): boolean {
    if (!this.matches(request)) return false;
    this.matched += 1;
    return this.repeat === 'once' ? this.matched === this.nth : this.matched >= this.nth;
  }
}

/** The fault rules of one emulator. */
export class Faults {
  readonly #rules: ActiveRule[] = [];

  /** Adds a rule; the returned object shows how often it matched and fired. */
  add(spec: FaultSpec): FaultRule {
    const rule = new ActiveRule(spec);
    this.#rules.push(rule);
    return rule;
  }

  /** Removes one rule, or every rule when none is given. */
  clear(rule?: FaultRule): void {
    if (rule === undefined) {
      this.#rules.length = 0;
      return;
    }
    const index = this.#rules.indexOf(rule as ActiveRule);
    if (index >= 0) this.#rules.splice(index, 1);
  }

  /**
   * The fault for this request, if any. Every rule sees every request, so counts stay right
   * when rules overlap; the earliest added rule that fires wins.
   */
  pick(request: RecordedRequest): Fault | undefined {
    let chosen: ActiveRule | undefined;
    for (const rule of this.#rules) {
      if (rule.due(request) && chosen === undefined) chosen = rule;
    }
    if (chosen === undefined) return undefined;
    chosen.fired += 1;
    return chosen.fault;
  }
}

export function isStatusFault(fault: Fault): fault is StatusFault {
  return 'status' in fault;
}

export function isResetFault(fault: Fault): fault is ResetFault {
  return 'reset' in fault;
}
