export * from './errors';
export * from './model';
export * from './membership.rules';
export * from './read-markers';
export * from './large-group.policy';
export * from './mentions';
export * from './message-lifecycle.rules';
export * from './attachments';
