import { EventEmitter } from 'node:events';
import { BaseNotificationChannel, type JobNotification, type JobStateNotification } from 'agenda';

const jobEvent = 'job';
const stateEvent = 'state';

/**
 * Wakes the job processor as soon as a job is saved in this process instead of waiting for the next poll.
 * SQLite has no LISTEN/NOTIFY, so delivery is through an in-process bus; pass one bus to several channels to let
 * several Agenda instances in one process wake each other. Other processes still find the job by polling.
 */
export class InProcessNotificationChannel extends BaseNotificationChannel {
  private readonly bus: EventEmitter;
  private readonly deliverJob = (notification: JobNotification) => this.deliver(() => this.notifyHandlers(notification));
  private readonly deliverState = (notification: JobStateNotification) => this.deliver(() => this.notifyStateHandlers(notification));

  constructor(options: { bus?: EventEmitter } = {}) {
    super({ channelName: 'scheduled_jobs' });
    this.bus = options.bus ?? new EventEmitter();
    // Each Agenda instance on the bus adds listeners; many instances in one process are fine.
    this.bus.setMaxListeners(0);
  }

  async connect(): Promise<void> {
    if (this.state === 'connected') return;
    this.bus.on(jobEvent, this.deliverJob);
    this.bus.on(stateEvent, this.deliverState);
    this.setState('connected');
  }

  async disconnect(): Promise<void> {
    this.bus.off(jobEvent, this.deliverJob);
    this.bus.off(stateEvent, this.deliverState);
    this.handlers.clear();
    this.stateHandlers.clear();
    this.setState('disconnected');
  }

  async publish(notification: JobNotification): Promise<void> {
    if (this.state !== 'connected') throw new Error('Cannot publish: channel not connected');
    this.bus.emit(jobEvent, notification);
  }

  async publishState(notification: JobStateNotification): Promise<void> {
    if (this.state !== 'connected') throw new Error('Cannot publish state: channel not connected');
    // Agenda publishes three state notifications per job run (start, success, complete) and ignores those from its
    // own instance; with no other channel on the bus, nobody else could hear them.
    if (this.bus.listenerCount(stateEvent) === 1) return;
    this.bus.emit(stateEvent, notification);
  }

  /**
   * Handlers run on the next tick, not inside publish(): job.save() should not wait for the processor to fill
   * its queue, and a handler's failure is reported as an 'error' event rather than thrown at the saver.
   */
  private deliver(notify: () => Promise<void>): void {
    setImmediate(() => {
      notify().catch((error: unknown) => {
        // An 'error' event nobody listens to would throw and take the process down over a missed wake-up
        // (the next poll finds the job anyway).
        if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
      });
    });
  }
}
