import { LifecycleFrame, SendFrame } from '@parley/protocol';
import { SendExtras } from './send-pipeline';

/**
 * A send frame or a lifecycle frame (issue 13) as what goes on the ingress log: the text (an
 * edit's new text; empty for a delete or a reaction) and the extras that make it a reply or an
 * operation on message `seq`. The sequencer checks who may do it (docs/adr/0010).
 */
export function ingressOf(f: SendFrame | LifecycleFrame): { text: string; extras: SendExtras } {
  switch (f.type) {
    case 'send':
      return { text: f.body.text, extras: f.reply_to === undefined ? {} : { reply_to: f.reply_to } };
    case 'edit':
      return { text: f.body.text, extras: { op: { kind: 'edit', target_seq: f.seq } } };
    case 'delete':
      return { text: '', extras: { op: { kind: 'delete', target_seq: f.seq } } };
    case 'react':
      return { text: '', extras: { op: { kind: 'reaction', target_seq: f.seq, emoji: f.emoji, action: f.action } } };
  }
}
