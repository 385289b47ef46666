/**
 * The payload of a Microsoft Teams workflow webhook (Power Automate's "When a Teams webhook
 * request is received"): a `message` whose single attachment is an Adaptive Card. Version
 * 1.4 is the newest that every Teams client renders; the card holds only TextBlocks, which
 * every version has.
 */
import type { AlertContent, Group, Item, Tone } from './format.js';
import { compose } from './format.js';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  weight?: 'Bolder';
  size?: 'Medium';
  color?: TeamsColor;
  isSubtle?: true;
  separator?: true;
  spacing?: 'Medium';
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  body: TextBlock[];
  msteams: { width: 'Full' };
}

export interface TeamsPayload {
  type: 'message';
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive';
      contentUrl: null;
      content: AdaptiveCard;
    },
  ];
}

/** The colour names a TextBlock accepts; Teams maps them to its theme. */
export type TeamsColor = 'Attention' | 'Warning' | 'Good' | 'Accent';

export const TEAMS_COLORS: Record<Tone, TeamsColor> = {
  critical: 'Attention',
  warning: 'Warning',
  unknown: 'Attention',
  ok: 'Good',
  info: 'Accent',
};

/** Renders `content` as one workflow-webhook message with an Adaptive Card. */
export function teamsPayload(content: AlertContent): TeamsPayload {
  const message = compose(content);
  const body: TextBlock[] = [
    {
      type: 'TextBlock',
      text: message.title,
      wrap: true,
      weight: 'Bolder',
      size: 'Medium',
      color: TEAMS_COLORS[message.tone],
    },
  ];
  if (message.facts)
    body.push({ type: 'TextBlock', text: message.facts, wrap: true, isSubtle: true });
  for (const group of message.groups) body.push(...blocksOf(group));
  if (message.more)
    body.push({ type: 'TextBlock', text: message.more, wrap: true, isSubtle: true });

  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    msteams: { width: 'Full' },
  };
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

function blocksOf(group: Group): TextBlock[] {
  const items = group.items.map(
    (item): TextBlock => ({ type: 'TextBlock', text: lineOf(item), wrap: true }),
  );
  if (!group.title) return items;
  const heading: TextBlock = {
    type: 'TextBlock',
    text: group.title,
    wrap: true,
    weight: 'Bolder',
    color: TEAMS_COLORS[group.tone],
    separator: true,
    spacing: 'Medium',
  };
  return [heading, ...items];
}

/**
 * TextBlock text is a small Markdown dialect. Messages go in unchanged: they hold file and
 * certificate names that people copy, and the dialect has no escapes to protect them with.
 */
function lineOf(item: Item): string {
  if (!item.code) return `- ${item.text}`;
  return `- **${item.code}** ${item.certificate ?? ''}: ${item.text}`;
}
