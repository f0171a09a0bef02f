export { OutboxDispatcher, type OutboxConsumer, type DispatcherOptions, type DispatcherLogger } from './outbox-dispatcher.js';
export { insertOutboxEvent as publishEvent, selectConsumerLag, type OutboxEvent } from './outbox.repo.js';
