import { ParleyRest } from '@parley/client';
import { MemberDto, UserDto } from '@parley/protocol';
import { byId, el, errorText, show } from './dom';

/** Members listed in the panel (one page; large groups show their first ones). */
const MEMBERS_SHOWN = 100;

export interface MembersHost {
  rest: ParleyRest;
  users: Map<string, UserDto>;
  me(): string | undefined;
  activeGroupId(): string | null;
  nameOf(userId: string): string;
}

/**
 * A group's member panel (toggled by "Members" in the conversation header): lists members with
 * their role, adds one by username (admins; the server answers 403 otherwise), removes a member or
 * lets the user leave (DELETE .../members/{id}).
 */
export class MembersPanel {
  constructor(private readonly host: MembersHost) {
    byId('members-toggle').addEventListener('click', () => {
      const panel = byId('members-panel');
      show(panel, panel.hidden);
      byId('members-toggle').setAttribute('aria-expanded', String(!panel.hidden));
      if (!panel.hidden) void this.refresh();
    });
    byId<HTMLFormElement>('member-add-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.add();
    });
  }

  /** Shows the toggle for groups only; closes the panel when another conversation opens. */
  sync(isGroup: boolean, changed: boolean): void {
    show(byId('members-toggle'), isGroup);
    if (!isGroup || changed) {
      show(byId('members-panel'), false);
      byId('members-toggle').setAttribute('aria-expanded', 'false');
    }
  }

  async refresh(): Promise<void> {
    const id = this.host.activeGroupId();
    if (!id) return;
    try {
      const page = await this.host.rest.listMembers(id, { limit: MEMBERS_SHOWN });
      byId('members').replaceChildren(...page.members.map((m) => this.row(id, m)));
      this.status('');
    } catch (e) {
      this.status(errorText(e));
    }
  }

  private row(conversationId: string, m: MemberDto): HTMLElement {
    // An anonymous member (issue 14) is named by their pseudonym and its generated name.
    const key = m.user_id ?? m.participant_id ?? '';
    const self = m.user_id === this.host.me();
    const name = self ? 'you' : (m.display_name ?? this.host.nameOf(key));
    const remove = el('button', { type: 'button', class: 'secondary', 'aria-label': self ? 'Leave the group' : `Remove ${name}` }, self ? 'Leave' : 'Remove');
    remove.addEventListener('click', () => {
      this.host.rest.removeMember(conversationId, key).then(
        () => void this.refresh(),
        (e: unknown) => this.status(errorText(e)),
      );
    });
    return el('li', { 'data-testid': 'member', 'data-user-id': m.user_id }, el('span', { class: 'name' }, `${name} (${m.role})`), remove);
  }

  private async add(): Promise<void> {
    const id = this.host.activeGroupId();
    const input = byId<HTMLInputElement>('member-username');
    const username = input.value.trim().toLowerCase();
    if (!id || !username) return;
    try {
      const user = await this.host.rest.findUserByUsername(username);
      if (!user) return this.status(`No user named ${username}.`);
      this.host.users.set(user.id, user);
      await this.host.rest.addMembers(id, [user.id]);
      input.value = '';
      await this.refresh();
    } catch (e) {
      this.status(errorText(e));
    }
  }

  private status(message: string): void {
    byId('members-status').textContent = message;
  }
}
