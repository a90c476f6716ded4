/**
 * The Sparkplug B topic namespace: `spBv1.0/<group>/<type>/<edge node>[/<device>]` and the
 * primary host's `spBv1.0/STATE/<host>`. Ids may not contain the MQTT separators or wildcards.
 */
export const NAMESPACE = 'spBv1.0';

export const MESSAGE_TYPES = ['NBIRTH', 'NDEATH', 'NDATA', 'NCMD', 'DBIRTH', 'DDEATH', 'DDATA', 'DCMD'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export type ParsedTopic =
  | { kind: 'edge'; group: string; type: MessageType; node: string; device?: string }
  | { kind: 'state'; host: string };

/** An edge node's topic, parsed. */
export type EdgeTopic = Extract<ParsedTopic, { kind: 'edge' }>;

const VALID_ID = /^[^/+#]+$/;

export function assertSparkplugId(what: string, id: string): void {
  if (!VALID_ID.test(id)) throw new Error(`${what} "${id}" may not be empty or contain "/", "+" or "#"`);
}

export function edgeTopic(group: string, type: MessageType, node: string, device?: string): string {
  const isDeviceMessage = type.startsWith('D');
  if (isDeviceMessage !== (device !== undefined)) {
    throw new Error(`${type} ${isDeviceMessage ? 'needs' : 'takes no'} device id`);
  }
  return device === undefined ? `${NAMESPACE}/${group}/${type}/${node}` : `${NAMESPACE}/${group}/${type}/${node}/${device}`;
}

export function stateTopic(host: string): string {
  return `${NAMESPACE}/STATE/${host}`;
}

/** Parses a topic in the Sparkplug namespace; undefined for anything else. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== NAMESPACE) return undefined;
  if (parts[1] === 'STATE' && parts.length === 3 && parts[2]) return { kind: 'state', host: parts[2] };
  const [, group, type, node, device, ...rest] = parts;
  if (!group || !node || rest.length > 0 || !MESSAGE_TYPES.includes(type as MessageType)) return undefined;
  const messageType = type as MessageType;
  if (messageType.startsWith('D') !== (device !== undefined && device !== '')) return undefined;
  return device ? { kind: 'edge', group, type: messageType, node, device } : { kind: 'edge', group, type: messageType, node };
}
