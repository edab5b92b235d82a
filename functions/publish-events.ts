// Lambda entry (composition root): the table's stream to the EventBridge bus.
import { EventBridgeEventSink } from './adapters/eventbridge-event-sink.ts';
import { publishEventsHandler } from './workers/publish-events.ts';

export const handler = publishEventsHandler(EventBridgeEventSink.fromEnv());
