import { Type, type Static } from '@sinclair/typebox';
import { Id, Nullable, Text } from './primitives';

/**
 * WebRTC call signaling frames (docs/api/v1.md, "Calls"; docs/adr/0013-call-signaling.md).
 * The server relays SDP and ICE only between joined participants and stores none of it.
 */
export const CallLimits = {
  /** An SDP offer or answer over this many characters is refused (VALIDATION_FAILED). */
  SDP_MAX_CHARS: 16_000,
  /** An ICE candidate line over this is refused. */
  ICE_CANDIDATE_MAX_CHARS: 1024,
  /** Most people in one call (the caller included); larger conversations cannot start a call. */
  MAX_PARTICIPANTS: 8,
} as const;

const CallId = () => Id('the call id the server gave in call.ringing or call.incoming');
const Media = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
const SdpType = Type.Union([Type.Literal('offer'), Type.Literal('answer')]);
const Candidate = Type.Object({
  candidate: Text(CallLimits.ICE_CANDIDATE_MAX_CHARS, 0),
  sdp_mid: Type.Optional(Nullable(Text(64, 0))),
  sdp_m_line_index: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 64 }))),
});

// Client → server.
export const CallInviteFrameSchema = Type.Object({ type: Type.Literal('call.invite'), conversation_id: Id(), media: Media }, { $id: 'CallInviteFrame' });
export const CallAcceptFrameSchema = Type.Object({ type: Type.Literal('call.accept'), call_id: CallId() }, { $id: 'CallAcceptFrame' });
export const CallRejectFrameSchema = Type.Object({ type: Type.Literal('call.reject'), call_id: CallId() }, { $id: 'CallRejectFrame' });
export const CallCancelFrameSchema = Type.Object({ type: Type.Literal('call.cancel'), call_id: CallId() }, { $id: 'CallCancelFrame' });
export const CallHangupFrameSchema = Type.Object({ type: Type.Literal('call.hangup'), call_id: CallId() }, { $id: 'CallHangupFrame' });
export const CallSdpFrameSchema = Type.Object(
  { type: Type.Literal('call.sdp'), call_id: CallId(), to_user_id: Id(), sdp_type: SdpType, sdp: Text(CallLimits.SDP_MAX_CHARS) },
  { $id: 'CallSdpFrame' },
);
export const CallIceFrameSchema = Type.Object(
  { type: Type.Literal('call.ice'), call_id: CallId(), to_user_id: Id(), candidate: Candidate },
  { $id: 'CallIceFrame' },
);

export const CALL_CLIENT_FRAME_SCHEMAS = {
  'call.invite': CallInviteFrameSchema,
  'call.accept': CallAcceptFrameSchema,
  'call.reject': CallRejectFrameSchema,
  'call.cancel': CallCancelFrameSchema,
  'call.hangup': CallHangupFrameSchema,
  'call.sdp': CallSdpFrameSchema,
  'call.ice': CallIceFrameSchema,
} as const;

// Server → client.
const Ids = Type.Array(Type.String());
export const CallRingingFrame = Type.Object(
  { type: Type.Literal('call.ringing'), call_id: Type.String(), conversation_id: Type.String(), media: Media, callee_ids: Ids, busy_ids: Ids },
  { $id: 'CallRingingFrame', description: 'to the inviting socket: the call exists and rings the callees not busy' },
);
export const CallIncomingFrame = Type.Object(
  { type: Type.Literal('call.incoming'), call_id: Type.String(), conversation_id: Type.String(), media: Media, caller_id: Type.String() },
  { $id: 'CallIncomingFrame', description: 'to every socket of each callee: ring' },
);
export const CallJoinedFrame = Type.Object(
  { type: Type.Literal('call.joined'), call_id: Type.String(), conversation_id: Type.String(), user_id: Type.String(), joined_ids: Ids },
  { $id: 'CallJoinedFrame', description: 'to the joined participants (the accepting socket included): the ones already in send the newcomer an offer' },
);
export const CallDismissedFrame = Type.Object(
  { type: Type.Literal('call.dismissed'), call_id: Type.String(), reason: Type.Union([Type.Literal('answered_elsewhere'), Type.Literal('rejected_elsewhere')]) },
  { $id: 'CallDismissedFrame', description: "to a callee's other sockets: stop ringing" },
);
export const CallDeclinedFrame = Type.Object(
  { type: Type.Literal('call.declined'), call_id: Type.String(), user_id: Type.String(), reason: Type.Union([Type.Literal('rejected'), Type.Literal('missed')]) },
  { $id: 'CallDeclinedFrame', description: 'to the joined participants: a callee will not come' },
);
export const CallLeftFrame = Type.Object(
  { type: Type.Literal('call.left'), call_id: Type.String(), user_id: Type.String() },
  { $id: 'CallLeftFrame', description: 'to the participants still in a group call (and the leaver)' },
);
export const CallEndedFrame = Type.Object(
  {
    type: Type.Literal('call.ended'),
    call_id: Type.String(),
    conversation_id: Type.String(),
    reason: Type.Union([Type.Literal('completed'), Type.Literal('missed'), Type.Literal('rejected'), Type.Literal('cancelled'), Type.Literal('busy')]),
    duration_ms: Type.Integer({ minimum: 0 }),
  },
  { $id: 'CallEndedFrame', description: 'the call is over for this socket' },
);
export const CallSdpEventFrame = Type.Object(
  { type: Type.Literal('call.sdp'), call_id: Type.String(), from_user_id: Type.String(), sdp_type: SdpType, sdp: Type.String() },
  { $id: 'CallSdpEventFrame' },
);
export const CallIceEventFrame = Type.Object(
  { type: Type.Literal('call.ice'), call_id: Type.String(), from_user_id: Type.String(), candidate: Candidate },
  { $id: 'CallIceEventFrame' },
);

export const CALL_SERVER_FRAME_SCHEMAS = [
  CallRingingFrame,
  CallIncomingFrame,
  CallJoinedFrame,
  CallDismissedFrame,
  CallDeclinedFrame,
  CallLeftFrame,
  CallEndedFrame,
  CallSdpEventFrame,
  CallIceEventFrame,
];

/** The summary a finished call leaves in its conversation, on the message (`message.call`). */
export const CallSummarySchema = Type.Object(
  {
    call_id: Type.String(),
    media: Media,
    outcome: Type.Union([Type.Literal('completed'), Type.Literal('missed'), Type.Literal('rejected'), Type.Literal('cancelled'), Type.Literal('busy')]),
    started_at: Type.String({ format: 'date-time' }),
    duration_ms: Type.Integer({ minimum: 0 }),
  },
  { description: 'set on the system message a finished call leaves (sender: the caller)' },
);

export type CallClientFrame =
  | Static<typeof CallInviteFrameSchema>
  | Static<typeof CallAcceptFrameSchema>
  | Static<typeof CallRejectFrameSchema>
  | Static<typeof CallCancelFrameSchema>
  | Static<typeof CallHangupFrameSchema>
  | Static<typeof CallSdpFrameSchema>
  | Static<typeof CallIceFrameSchema>;

export type CallServerFrame =
  | Static<typeof CallRingingFrame>
  | Static<typeof CallIncomingFrame>
  | Static<typeof CallJoinedFrame>
  | Static<typeof CallDismissedFrame>
  | Static<typeof CallDeclinedFrame>
  | Static<typeof CallLeftFrame>
  | Static<typeof CallEndedFrame>
  | Static<typeof CallSdpEventFrame>
  | Static<typeof CallIceEventFrame>;

export type CallSummary = Static<typeof CallSummarySchema>;
export type CallCandidate = Static<typeof Candidate>;

/** A checked call frame with only the contract's fields (null optionals dropped). */
export function knownCallFrame(f: CallClientFrame): CallClientFrame {
  switch (f.type) {
    case 'call.invite':
      return { type: f.type, conversation_id: f.conversation_id, media: f.media };
    case 'call.accept':
    case 'call.reject':
    case 'call.cancel':
    case 'call.hangup':
      return { type: f.type, call_id: f.call_id };
    case 'call.sdp':
      return { type: f.type, call_id: f.call_id, to_user_id: f.to_user_id, sdp_type: f.sdp_type, sdp: f.sdp };
    case 'call.ice': {
      const c = f.candidate;
      const candidate: CallCandidate = { candidate: c.candidate };
      if (c.sdp_mid !== undefined && c.sdp_mid !== null) candidate.sdp_mid = c.sdp_mid;
      if (c.sdp_m_line_index !== undefined && c.sdp_m_line_index !== null) candidate.sdp_m_line_index = c.sdp_m_line_index;
      return { type: f.type, call_id: f.call_id, to_user_id: f.to_user_id, candidate };
    }
  }
}
