/** Rotation results as text for people: what happened, what blocks, what is left to do. */
import type {
  ApplyResult,
  Blocker,
  RotationResult,
  StatusResult,
} from '../../lib/workflows/rotate/index.js';
import type { PlanSummary } from '../../lib/workflows/rotate/summary.js';

export function rotationText(result: RotationResult): string {
  const lines = [result.message];
  switch (result.outcome) {
    case 'planned':
      lines.push(...planLines(result.plan), ...blockerLines(result.blockers));
      lines.push('', 'to apply (after review, by the approver):', `  ${result.next}`);
      break;
    case 'status':
      lines.push(...statusLines(result));
      break;
    case 'applied':
    case 'unchanged':
    case 'rolled-back':
      if ('new' in result) lines.push(...applyLines(result));
      if (result.todo.length > 0) {
        lines.push('', 'still to do:', ...result.todo.map((t) => `  - ${t}`));
      }
      break;
    case 'discarded':
      break;
  }
  return `${lines.join('\n')}\n`;
}

function planLines(plan: PlanSummary): string[] {
  const lines = ['', `plan ${plan.planId}, by ${plan.plannedBy} on ${plan.createdAt}`];
  if (plan.reason) lines.push(`reason: ${plan.reason}`);
  lines.push('new certificates:');
  for (const c of [...plan.new.cas, ...plan.new.leaves]) {
    const validity = `${c.notBefore.slice(0, 10)} – ${c.notAfter.slice(0, 10)}`;
    lines.push(`  ${c.name.padEnd(16)} ${validity}  SHA-256 ${c.fingerprint}`);
    if (c.sans) lines.push(`  ${''.padEnd(16)} SANs ${c.sans.join(' ')}`);
  }
  lines.push(
    'changes:',
    `  store    ${plan.changes.store.ref} (now at version ${plan.changes.store.version})`,
    `  Secret   ${plan.changes.secret.ref} (now at version ${plan.changes.secret.version})`,
    `  copies   ${plan.changes.consumers.join(', ') || 'none configured (--consumers)'}`,
    `  restart  ${plan.changes.workloads.join(', ') || 'none configured (--restart)'}`,
  );
  return lines;
}

function blockerLines(blockers: readonly Blocker[]): string[] {
  if (blockers.length === 0) return ['blockers: none'];
  return ['blockers:', ...blockers.map((b) => `  ${b.code}: ${b.message}`)];
}

function statusLines(result: StatusResult): string[] {
  const lines: string[] = [];
  if (result.plan) lines.push(...planLines(result.plan));
  if (result.journal) {
    const j = result.journal;
    lines.push(
      '',
      `journal of ${j.planId}: ${j.state} (approved by ${j.approvedBy}, started ${j.startedAt})`,
    );
    for (const e of j.entries) {
      lines.push(`  ${e.at}  ${e.phase} ${e.step} ${e.status}${e.message ? `: ${e.message}` : ''}`);
    }
  }
  if (result.last) lines.push(`last rotation: ${result.last.planId} (${result.last.state})`);
  if (result.remaining.length > 0) lines.push(`steps left: ${result.remaining.join(', ')}`);
  if (result.plan || result.remaining.length > 0) lines.push(...blockerLines(result.blockers));
  return lines;
}

function applyLines(result: ApplyResult): string[] {
  return [
    `new hub-ca SHA-256 ${result.new.cas['hub-ca']}`,
    `new proxy-client SHA-256 ${result.new.proxyClient}`,
    ...(result.archiveId ? [`old CA set archived as ${result.archiveId}`] : []),
  ];
}
