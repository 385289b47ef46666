/**
 * The payload of Slack-compatible incoming webhooks. Mattermost and Rocket.Chat accept the
 * same shape as long as it stays with `text` and legacy `attachments` (Block Kit is
 * Slack-only), so that is all this sink uses: the headline in `text`, one attachment per
 * severity group with its colour bar.
 */
import type { AlertContent, Group, Item, Tone } from './format.js';
import { compose } from './format.js';

export interface SlackAttachment {
  color: string;
  fallback: string;
  title?: string;
  text: string;
  mrkdwn_in: ['text'];
}

export interface SlackPayload {
  text: string;
  attachments: SlackAttachment[];
}

/** Hex colours, since the named ones (`good`, `danger`) are understood by Slack alone. */
export const SLACK_COLORS: Record<Tone, string> = {
  critical: '#D40E0D',
  warning: '#E8A317',
  unknown: '#7D3C98',
  ok: '#2EB67D',
  info: '#1D9BD1',
};

/** Renders `content` as one incoming-webhook message. */
export function slackPayload(content: AlertContent): SlackPayload {
  const message = compose(content);
  const text = [`*${entities(message.title)}*`, entities(message.facts)].filter(Boolean).join('\n');
  const attachments = message.groups.map(attachmentOf);
  const last = attachments.at(-1);
  if (last && message.more) last.text += `\n${entities(message.more)}`;
  return { text, attachments };
}

function attachmentOf(group: Group): SlackAttachment {
  const lines = group.items.map(lineOf);
  return {
    color: SLACK_COLORS[group.tone],
    fallback: group.title || (lines[0] ?? ''),
    ...(group.title ? { title: group.title } : {}),
    text: lines.join('\n'),
    mrkdwn_in: ['text'],
  };
}

function lineOf(item: Item): string {
  const text = entities(item.text);
  if (!item.code) return `• ${text}`;
  return `• \`${item.code}\` ${entities(item.certificate ?? '')}: ${text}`;
}

/** Slack reads `&`, `<` and `>` as markup (links, mentions); they must be entities. */
function entities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
