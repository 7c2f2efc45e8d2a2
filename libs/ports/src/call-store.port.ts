/**
 * Call signaling state (docs/adr/0013-call-signaling.md): one record per call, keyed by call id,
 * owned by whichever gateway acts on it (compare-and-set on `version`), plus a per-user index of
 * the call a user is in (for "busy"). Nothing of the SDP is ever stored here. In memory for
 * standalone, in Redis for the mesh; every record expires (a crashed gateway's calls go by TTL).
 */

export type CallMedia = 'audio' | 'video';
export type CallOutcome = 'completed' | 'missed' | 'rejected' | 'cancelled' | 'busy';
export type CallParticipantState = 'invited' | 'joined' | 'declined' | 'busy' | 'missed' | 'left';

export interface CallParticipant {
  user_id: string;
  state: CallParticipantState;
  /** The socket (connection id) that joined: relays go to it only. Null until joined. */
  socket_id: string | null;
}

export interface CallRecord {
  id: string;
  conversation_id: string;
  caller_id: string;
  media: CallMedia;
  state: 'ringing' | 'active' | 'ended';
  created_at: string;
  /** Epoch ms after which invitees still ringing count as missed. */
  ring_deadline: number;
  answered_at: string | null;
  ended_at: string | null;
  outcome: CallOutcome | null;
  participants: CallParticipant[];
  /** 1 when created; each saved change adds one (compare-and-set). */
  version: number;
}

export interface CallStore {
  get(callId: string): Promise<CallRecord | null>;
  /**
   * Stores `call` if the stored version is `call.version - 1` (version 1: only if absent).
   * False when another writer got there first: read again and retry.
   */
  save(call: CallRecord, ttlMs: number): Promise<boolean>;
  /** The call id a user was last put in (may be over: check the record). */
  currentCallOf(userId: string): Promise<string | null>;
  setCurrentCall(userId: string, callId: string, ttlMs: number): Promise<void>;
  /** Clears the user's entry only if it still names `callId`. */
  clearCurrentCall(userId: string, callId: string): Promise<void>;
}

export const CALL_STORE = Symbol('CallStore');
