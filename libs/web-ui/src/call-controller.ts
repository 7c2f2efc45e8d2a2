import { ParleyCalls, ParleyClient } from '@parley/client';
import { CallServerFrame, ErrorFrame } from '@parley/protocol';
import { byId, el, errorText, show } from './dom';

type Media = 'audio' | 'video';

interface Peer {
  pc: RTCPeerConnection;
  /** Signaling steps for one peer run one after another (a candidate waits for its description). */
  chain: Promise<void>;
}

interface ActiveCall {
  id: string;
  media: Media;
  /** ringing: outgoing, nobody answered yet; incoming: ringing here; joined: in the call. */
  phase: 'ringing' | 'incoming' | 'joined';
  peers: Map<string, Peer>;
  stream: MediaStream | null;
}

/**
 * The page's call button and call panel: signaling through the SDK (ParleyCalls), media through
 * getUserMedia and one RTCPeerConnection per other participant. Loopback host candidates suffice
 * between two browsers on one machine; no STUN or TURN server is configured.
 */
export class CallController {
  private readonly calls: ParleyCalls;
  private call: ActiveCall | null = null;

  constructor(
    client: ParleyClient,
    private readonly me: () => string,
    private readonly activeConversation: () => string | null,
    private readonly nameOf: (userId: string) => string,
  ) {
    this.calls = new ParleyCalls(client);
    client.on('call', (f) => void this.onFrame(f).catch((e: unknown) => this.status(`call error: ${errorText(e)}`)));
    client.on('callError', (f: ErrorFrame) => this.status(`call refused: ${f.message} (${f.code})`));
    byId('call-audio').onclick = () => void this.start('audio');
    byId('call-video').onclick = () => void this.start('video');
    byId('call-accept').onclick = () => void this.accept();
    byId('call-reject').onclick = () => this.reject();
    byId('call-hangup').onclick = () => this.hangup();
  }

  /** The call buttons show while a conversation is open and no call is on. */
  render(): void {
    const canCall = this.activeConversation() !== null && this.call === null;
    show(byId('call-audio'), canCall);
    show(byId('call-video'), canCall);
    show(byId('call-panel'), this.call !== null);
    show(byId('call-accept'), this.call?.phase === 'incoming');
    show(byId('call-reject'), this.call?.phase === 'incoming');
    show(byId('call-hangup'), this.call !== null && this.call.phase !== 'incoming');
  }

  private async start(media: Media): Promise<void> {
    const conversationId = this.activeConversation();
    if (!conversationId || this.call) return;
    try {
      const stream = await this.media(media);
      const ringing = await this.calls.invite(conversationId, media);
      this.call = { id: ringing.call_id, media, phase: 'ringing', peers: new Map(), stream };
      this.status(ringing.callee_ids.length > 0 ? 'ringing…' : 'busy');
    } catch (e) {
      this.status(`call failed: ${errorText(e)}`);
    }
    this.render();
  }

  private async accept(): Promise<void> {
    const call = this.call;
    if (!call || call.phase !== 'incoming') return;
    call.stream = await this.media(call.media).catch(() => null);
    call.phase = 'joined';
    this.calls.accept(call.id);
    this.status('connecting…');
    this.render();
  }

  private reject(): void {
    if (this.call?.phase === 'incoming') this.calls.reject(this.call.id);
    this.end('declined');
  }

  private hangup(): void {
    const call = this.call;
    if (!call) return;
    if (call.phase === 'ringing') this.calls.cancel(call.id);
    else this.calls.hangup(call.id);
  }

  private async onFrame(f: CallServerFrame): Promise<void> {
    const call = this.call;
    switch (f.type) {
      case 'call.incoming':
        if (call) return void this.calls.reject(f.call_id); // one call at a time on this page
        this.call = { id: f.call_id, media: f.media, phase: 'incoming', peers: new Map(), stream: null };
        this.status(`incoming ${f.media} call from ${this.nameOf(f.caller_id)}`);
        break;
      case 'call.joined':
        if (!call || call.id !== f.call_id) return;
        call.phase = 'joined';
        // Those already in offer to the newcomer; the newcomer waits for their offers.
        if (f.user_id !== this.me()) this.run(call, f.user_id, (pc) => this.offer(call, f.user_id, pc));
        break;
      case 'call.sdp':
        if (!call || call.id !== f.call_id) return;
        this.run(call, f.from_user_id, async (pc) => {
          await pc.setRemoteDescription({ type: f.sdp_type, sdp: f.sdp });
          if (f.sdp_type !== 'offer') return;
          await pc.setLocalDescription(await pc.createAnswer());
          this.calls.sdp(call.id, f.from_user_id, 'answer', pc.localDescription?.sdp ?? '');
        });
        return;
      case 'call.ice':
        if (!call || call.id !== f.call_id) return;
        this.run(call, f.from_user_id, (pc) => pc.addIceCandidate({ candidate: f.candidate.candidate, sdpMid: f.candidate.sdp_mid ?? null, sdpMLineIndex: f.candidate.sdp_m_line_index ?? null }));
        return;
      case 'call.left':
      case 'call.declined':
        if (call?.id === f.call_id) call.peers.get(f.user_id)?.pc.close();
        call?.peers.delete(f.user_id);
        return;
      case 'call.ended':
        if (call?.id === f.call_id) this.end(f.reason === 'completed' ? 'call ended' : `call ${f.reason}`);
        return;
      case 'call.dismissed':
        if (call?.id === f.call_id) this.end(f.reason === 'answered_elsewhere' ? 'answered on another device' : 'declined on another device');
        return;
      case 'call.ringing':
        return;
    }
    this.render();
  }

  /** Queues a step on the peer connection to `userId`, creating it first. */
  private run(call: ActiveCall, userId: string, step: (pc: RTCPeerConnection) => Promise<void>): void {
    const peer = call.peers.get(userId) ?? this.peer(call, userId);
    peer.chain = peer.chain.then(() => step(peer.pc)).catch((e: unknown) => this.status(`call error: ${errorText(e)}`));
  }

  private peer(call: ActiveCall, userId: string): Peer {
    const pc = new RTCPeerConnection({ iceServers: [] });
    for (const track of call.stream?.getTracks() ?? []) pc.addTrack(track, call.stream as MediaStream);
    pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.candidate) this.calls.ice(call.id, userId, e.candidate);
    };
    pc.ontrack = (e) => {
      const media = byId('call-media');
      const id = `remote-${userId}`;
      let node = document.getElementById(id) as HTMLVideoElement | null;
      if (!node) {
        node = el('video', { id, autoplay: true, playsinline: true, 'data-testid': 'remote-media' });
        media.append(node);
      }
      node.srcObject = e.streams[0] ?? new MediaStream([e.track]);
    };
    pc.onconnectionstatechange = () => {
      byId('call-panel').dataset.peerState = pc.connectionState;
      if (this.call === call) this.status(pc.connectionState === 'connected' ? `in call with ${this.nameOf(userId)}` : pc.connectionState);
    };
    const peer: Peer = { pc, chain: Promise.resolve() };
    call.peers.set(userId, peer);
    return peer;
  }

  private async offer(call: ActiveCall, userId: string, pc: RTCPeerConnection): Promise<void> {
    await pc.setLocalDescription(await pc.createOffer());
    this.calls.sdp(call.id, userId, 'offer', pc.localDescription?.sdp ?? '');
  }

  private media(media: Media): Promise<MediaStream> {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'video' });
  }

  private end(status: string): void {
    const call = this.call;
    this.call = null;
    for (const { pc } of call?.peers.values() ?? []) pc.close();
    for (const track of call?.stream?.getTracks() ?? []) track.stop();
    byId('call-media').replaceChildren();
    this.status(status);
    this.render();
  }

  private status(text: string): void {
    byId('call-status').textContent = text;
  }
}
