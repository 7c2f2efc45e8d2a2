import { ParleyRest } from '@parley/client';
import { ConversationDto, UserDto } from '@parley/protocol';
import { ConversationEntry } from './chat-store';
import { byId, errorText } from './dom';

const MAX_USERNAMES_PER_GROUP = 50;

export interface StarterHost {
  rest: ParleyRest;
  users: Map<string, UserDto>;
  adopt(dto: ConversationDto): Promise<ConversationEntry | null>;
  open(conversationId: string): Promise<void>;
  sideError(message: string): void;
}

/** The side panel's "Chat" (direct, by username) and "Group" (title and usernames) forms. */
export function bindConversationStarter(host: StarterHost): void {
  byId<HTMLFormElement>('direct-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void startDirect(host);
  });
  byId<HTMLFormElement>('group-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void startGroup(host);
  });
}

async function startDirect(host: StarterHost): Promise<void> {
  const input = byId<HTMLInputElement>('direct-username');
  const username = input.value.trim().toLowerCase();
  host.sideError('');
  if (!username) return;
  try {
    const user = await host.rest.findUserByUsername(username);
    if (!user) return host.sideError(`No user named ${username}.`);
    host.users.set(user.id, user);
    const { conversation } = await host.rest.createConversation({ type: 'direct', member_ids: [user.id] });
    const entry = await host.adopt(conversation);
    input.value = '';
    if (entry) await host.open(entry.dto.id);
  } catch (e) {
    host.sideError(errorText(e));
  }
}

async function startGroup(host: StarterHost): Promise<void> {
  const title = byId<HTMLInputElement>('group-title').value.trim();
  const names = byId<HTMLInputElement>('group-members').value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  host.sideError('');
  if (!title) return host.sideError('A group needs a title.');
  if (names.length > MAX_USERNAMES_PER_GROUP) return host.sideError(`At most ${MAX_USERNAMES_PER_GROUP} usernames at once.`);
  try {
    const found = await Promise.all(names.map((n) => host.rest.findUserByUsername(n)));
    const missing = names.filter((_, i) => !found[i]);
    if (missing.length > 0) return host.sideError(`Unknown: ${missing.join(', ')}`);
    const ids = found.filter((u): u is UserDto => u !== null).map((u) => {
      host.users.set(u.id, u);
      return u.id;
    });
    const { conversation } = await host.rest.createConversation({ type: 'group', title, member_ids: [...new Set(ids)] });
    const entry = await host.adopt(conversation);
    byId<HTMLInputElement>('group-title').value = '';
    byId<HTMLInputElement>('group-members').value = '';
    if (entry) await host.open(entry.dto.id);
  } catch (e) {
    host.sideError(errorText(e));
  }
}
