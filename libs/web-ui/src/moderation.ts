import { ParleyRest } from '@parley/client';
import { AuditEntryDto, ConversationDto, MemberDto, ModerationSettingsDto, RankDto, ReportDto } from '@parley/protocol';
import { ShownMessage } from './chat-store';
import { byId, el, errorText, show } from './dom';
import { shortTime } from './time-format';

/**
 * Issue 13.4 on the page: a "Moderate" panel for moderators, admins and owners of a group (docs/api/v1.md
 * "Moderation"): slow mode and the announcement flag, each member's rank, mute, kick and ban, the open
 * reports (dismiss, act, delete the message) and the latest audit entries. Any member reports a message
 * from its Report button (message-list.ts). Every control is a labelled button, select or input.
 */

const RANKS: RankDto[] = ['owner', 'admin', 'moderator', 'member'];
const LEVEL: Record<RankDto, number> = { owner: 3, admin: 2, moderator: 1, member: 0 };
const MUTES: Array<[number, string]> = [[300, '5 minutes'], [3600, '1 hour'], [86_400, '1 day']];
const SHOWN = 50;

/** Whether the user moderates this conversation (a group where their rank is moderator or above). */
export const moderatesIn = (dto: ConversationDto | undefined): boolean => dto?.type === 'group' && LEVEL[dto.me.rank ?? 'member'] >= LEVEL.moderator;

export interface ModerationHost {
  rest(): ParleyRest;
  me(): string | undefined;
  active(): ConversationDto | undefined;
  nameOf(userId: string): string;
  /** Shows a message in the page's banner (a report's outcome). */
  notify(message: string): void;
}

export class ModerationPanel {
  private readonly toggle: HTMLButtonElement;
  private readonly panel: HTMLElement;

  constructor(private readonly host: ModerationHost) {
    this.toggle = byId<HTMLButtonElement>('moderation-toggle');
    this.panel = byId('moderation-panel');
    this.toggle.addEventListener('click', () => {
      this.open(this.panel.hidden);
      if (!this.panel.hidden) void this.refresh();
    });
  }

  /** Shows the toggle to moderators of the open group; closes the panel when another conversation opens. */
  sync(changed: boolean): void {
    show(this.toggle, moderatesIn(this.host.active()));
    if (changed || !moderatesIn(this.host.active())) this.open(false);
  }

  /** Any member: asks for a reason, then files the report. */
  async report(m: ShownMessage): Promise<void> {
    const id = this.host.active()?.id;
    if (!id || m.seq === null) return;
    const reason = window.prompt('Why are you reporting this message? (sent to the moderators)')?.trim();
    if (!reason) return;
    try {
      await this.host.rest().reportMessage(id, m.seq, reason.slice(0, 500));
      this.host.notify('Reported to the moderators.');
    } catch (e) {
      this.host.notify(`Could not report: ${errorText(e)}`);
    }
  }

  private open(visible: boolean): void {
    show(this.panel, visible);
    this.toggle.setAttribute('aria-expanded', String(visible));
  }

  async refresh(): Promise<void> {
    const id = this.host.active()?.id;
    if (!id) return;
    try {
      const [settings, members, reports, audit] = await Promise.all([
        this.host.rest().moderationSettings(id),
        this.host.rest().listMembers(id, { limit: SHOWN }),
        this.host.rest().reports(id, { limit: SHOWN }),
        this.host.rest().auditLog(id, { limit: 20 }),
      ]);
      this.panel.replaceChildren(
        this.settingsForm(id, settings),
        el('h3', {}, 'Members'),
        el('ul', { 'data-testid': 'moderation-members' }, ...members.members.map((m) => this.memberRow(id, settings.me.rank, m))),
        el('h3', {}, 'Reports'),
        reports.reports.length === 0 ? el('p', {}, 'No open reports.') : el('ul', { 'data-testid': 'reports' }, ...reports.reports.map((r) => this.reportRow(id, r))),
        el('h3', {}, 'Audit log'),
        el('ul', { 'data-testid': 'audit' }, ...audit.entries.map((a) => el('li', {}, this.auditText(a)))),
        el('p', { id: 'moderation-status', class: 'error', role: 'status' }),
      );
    } catch (e) {
      this.panel.replaceChildren(el('p', { id: 'moderation-status', class: 'error', role: 'status' }, errorText(e)));
    }
  }

  /** Runs an action, then shows the panel again (or the error). */
  private run(action: () => Promise<unknown>): void {
    action().then(
      () => void this.refresh(),
      (e: unknown) => {
        const status = this.panel.querySelector('#moderation-status');
        if (status) status.textContent = errorText(e);
      },
    );
  }

  private settingsForm(id: string, s: ModerationSettingsDto): HTMLElement {
    const slow = el('input', { id: 'mod-slow', type: 'number', min: 0, max: 21600, step: 1, value: s.slow_mode_seconds, inputmode: 'numeric' });
    const announcement = el('input', { id: 'mod-announcement', type: 'checkbox', checked: s.announcement, disabled: LEVEL[s.me.rank] < LEVEL.admin });
    const form = el(
      'form',
      { 'aria-label': 'Conversation settings' },
      el('label', { for: 'mod-slow' }, 'Slow mode (seconds between messages, 0 = off)'),
      slow,
      el('label', { for: 'mod-announcement' }, announcement, ' Announcements only (admins post)'),
      el('button', { type: 'submit' }, 'Save settings'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const seconds = Number(slow.value);
      const next = { slow_mode_seconds: Number.isInteger(seconds) && seconds >= 0 ? seconds : 0, ...(announcement.disabled ? {} : { announcement: announcement.checked }) };
      this.run(() => this.host.rest().setModerationSettings(id, next));
    });
    return form;
  }

  private memberRow(id: string, myRank: RankDto, m: MemberDto): HTMLElement {
    const rank = m.rank ?? (m.role === 'admin' ? 'admin' : 'member');
    const name = m.user_id === this.host.me() ? 'you' : this.host.nameOf(m.user_id);
    const row = el('li', { 'data-testid': 'moderation-member', 'data-user-id': m.user_id }, el('span', { class: 'name' }, `${name} (${rank})`));
    if (m.user_id === this.host.me() || LEVEL[myRank] <= LEVEL[rank]) return row;
    const button = (label: string, text: string, action: () => Promise<unknown>) => {
      const b = el('button', { type: 'button', class: 'secondary', 'aria-label': `${label} ${name}` }, text);
      b.addEventListener('click', () => this.run(action));
      return b;
    };
    const grantable = RANKS.filter((r) => myRank === 'owner' || LEVEL[r] < LEVEL[myRank]);
    if (LEVEL[myRank] >= LEVEL.admin) {
      const select = el('select', { id: `rank-${m.user_id}` }, ...grantable.map((r) => el('option', { value: r, selected: r === rank }, r)));
      row.append(el('label', { for: `rank-${m.user_id}`, class: 'visually-hidden' }, `Rank of ${name}`), select, button('Set the rank of', 'Set rank', () => this.host.rest().setRank(id, m.user_id, select.value as RankDto)));
    }
    const duration = el('select', { id: `mute-${m.user_id}` }, ...MUTES.map(([s, label]) => el('option', { value: s }, label)));
    row.append(
      el('label', { for: `mute-${m.user_id}`, class: 'visually-hidden' }, `Mute ${name} for`),
      duration,
      button('Mute', 'Mute', () => this.host.rest().mute(id, m.user_id, Number(duration.value))),
      button('Unmute', 'Unmute', () => this.host.rest().unmute(id, m.user_id)),
      button('Kick', 'Kick', () => this.host.rest().kick(id, m.user_id)),
      button('Ban', 'Ban', () => this.host.rest().ban(id, m.user_id)),
    );
    return row;
  }

  private reportRow(id: string, r: ReportDto): HTMLElement {
    const what = `message ${r.seq} reported by ${this.host.nameOf(r.reporter_id)}`;
    const button = (label: string, text: string, action: () => Promise<unknown>) => {
      const b = el('button', { type: 'button', class: 'secondary', 'aria-label': `${label}: ${what}` }, text);
      b.addEventListener('click', () => this.run(action));
      return b;
    };
    return el(
      'li',
      { 'data-testid': 'report' },
      el('span', { class: 'name' }, `${what}: “${r.reason}”`),
      button('Delete the message', 'Delete message', () => this.host.rest().deleteMessage(id, r.seq, crypto.randomUUID())),
      button('Resolve as actioned', 'Actioned', () => this.host.rest().resolveReport(id, r.id, 'actioned')),
      button('Dismiss', 'Dismiss', () => this.host.rest().resolveReport(id, r.id, 'dismissed')),
    );
  }

  private auditText(a: AuditEntryDto): string {
    const target = a.target_user_id ? ` ${this.host.nameOf(a.target_user_id)}` : '';
    const seq = a.target_seq !== null ? ` (message ${a.target_seq})` : '';
    return `${shortTime(a.at)} ${this.host.nameOf(a.actor_id)}: ${a.action}${target}${seq}`;
  }
}
