import { CallCandidate, CallServerFrame, ErrorFrame } from '@parley/protocol';
import { ParleyClientError } from './errors';
import type { ParleyClient } from './parley-client';

type Media = 'audio' | 'video';
type CallFrame<T extends CallServerFrame['type']> = Extract<CallServerFrame, { type: T }>;

/**
 * Call signaling over a ParleyClient's socket (docs/api/v1.md, Calls). It sends the `call.*`
 * frames and resolves an invite with its `call.ringing`; everything else arrives as the client's
 * `call` events. Media is the application's: it feeds `sdp` and `ice` from its RTCPeerConnection.
 */
export class ParleyCalls {
  constructor(
    private readonly client: ParleyClient,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Starts a call in a conversation; resolves with the server's `call.ringing` (the call id). */
  invite(conversationId: string, media: Media): Promise<CallFrame<'call.ringing'>> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off('call', onCall);
        this.client.off('callError', onError);
      };
      const onCall = (f: CallServerFrame) => {
        if (f.type === 'call.ringing' && f.conversation_id === conversationId) {
          done();
          resolve(f);
        }
      };
      const onError = (f: ErrorFrame) => {
        if (f.conversation_id !== conversationId || f.call_id !== undefined) return;
        done();
        reject(new ParleyClientError(f.code, f.message));
      };
      const timer = setTimeout(() => {
        done();
        reject(new ParleyClientError('TIMEOUT', 'no answer to call.invite'));
      }, this.timeoutMs);
      this.client.on('call', onCall);
      this.client.on('callError', onError);
      if (!this.client.callFrame({ type: 'call.invite', conversation_id: conversationId, media })) {
        done();
        reject(new ParleyClientError('DISCONNECTED', 'not connected'));
      }
    });
  }

  accept(callId: string): boolean {
    return this.client.callFrame({ type: 'call.accept', call_id: callId });
  }

  reject(callId: string): boolean {
    return this.client.callFrame({ type: 'call.reject', call_id: callId });
  }

  cancel(callId: string): boolean {
    return this.client.callFrame({ type: 'call.cancel', call_id: callId });
  }

  hangup(callId: string): boolean {
    return this.client.callFrame({ type: 'call.hangup', call_id: callId });
  }

  /** An SDP offer or answer for one joined participant. */
  sdp(callId: string, toUserId: string, sdpType: 'offer' | 'answer', sdp: string): boolean {
    return this.client.callFrame({ type: 'call.sdp', call_id: callId, to_user_id: toUserId, sdp_type: sdpType, sdp });
  }

  /** An ICE candidate for one joined participant (from RTCIceCandidate: candidate, sdpMid, sdpMLineIndex). */
  ice(callId: string, toUserId: string, c: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null }): boolean {
    const candidate: CallCandidate = { candidate: c.candidate, sdp_mid: c.sdpMid ?? null, sdp_m_line_index: c.sdpMLineIndex ?? null };
    return this.client.callFrame({ type: 'call.ice', call_id: callId, to_user_id: toUserId, candidate });
  }
}
