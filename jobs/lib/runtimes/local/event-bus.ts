/**
 * The in-process event bus of the local runtime: the stand-in for EventBridge.
 * Events are queued as they are published and delivered in order, each to the
 * routes of the bus's chain mode it matches (`routesFor`), exactly the routes
 * the stacks deploy as EventBridge rules in that mode. Events no route matches (a
 * raw part file's "Object Created", say) are dropped, as EventBridge would.
 */
import { errorMessage } from '../../core/errors';
import { DEFAULT_CHAIN_MODE, routesFor, type ChainMode, type Route } from '../../definition/routes';
import type { PipelineEvent } from '../../definition/events';
import type { EventPublisher } from '../../core/ports';
import { PassInterrupted, type StopSignal } from './stop-signals';

/** One delivery of an event to a route, as recorded for summaries and tests. */
export interface Delivery {
  route: string;
  step: Route['step'];
  input: Route['input'];
  event: PipelineEvent;
  /** Milliseconds the step took. */
  ms: number;
  /** The step's return value, or its error message. */
  result?: unknown;
  error?: string;
}

/**
 * What a pass reports while it runs, for a progress display (the CLI renders
 * it; jobs never depend on one): a step starting and finishing (its
 * {@link Delivery}), and a table done inside a step (extract: rows written to
 * the raw zone; load: rows new or changed in the warehouse for one run).
 */
export type ProgressEvent =
  | { type: 'step-started'; route: string; step: Route['step']; input: Route['input'] }
  | { type: 'step-finished'; delivery: Delivery }
  | { type: 'table-done'; step: Route['step']; table: string; rows: number; runId?: string };

/** Receives {@link ProgressEvent}s as they happen. Must not throw; it is called synchronously between steps. */
export type ProgressListener = (event: ProgressEvent) => void;

/** Runs the step a route names for an event; supplied by the composition root. */
export type StepDispatcher = (route: Route, event: PipelineEvent) => Promise<unknown>;

export class LocalEventBus implements EventPublisher {
  private readonly queue: PipelineEvent[] = [];
  private stop?: StopSignal;
  /** Every delivery so far, in order. */
  readonly deliveries: Delivery[] = [];

  /** A bus applying the routes of chain mode `mode` (default: crawler mode). */
  constructor(readonly mode: ChainMode = DEFAULT_CHAIN_MODE) {}

  /** Queues an event for delivery by `drain`. */
  async publish(event: PipelineEvent): Promise<void> {
    this.queue.push(event);
  }

  /**
   * Asks {@link drain} to stop at its next safe point: before the next
   * delivery, never during one (stop-signals.ts). The events still queued
   * are dropped then; the next pass's sweep picks their runs up again.
   */
  requestStop(signal: StopSignal): void {
    this.stop ??= signal;
  }

  /** The signal that asked for a stop, if any (see {@link requestStop}). */
  get stopRequested(): StopSignal | undefined {
    return this.stop;
  }

  /**
   * Delivers queued events (and those the steps publish meanwhile) until the
   * queue is empty. A failing step is recorded and does not stop other
   * deliveries; `maxDeliveries` guards against a routing loop. `onProgress`
   * hears each delivery start and finish.
   * Returns the deliveries made by this call.
   *
   * @throws PassInterrupted before a delivery once {@link requestStop} was called (the queue is emptied)
   */
  async drain(dispatch: StepDispatcher, maxDeliveries = 1000, onProgress?: ProgressListener): Promise<Delivery[]> {
    const made: Delivery[] = [];
    while (this.queue.length) {
      const event = this.queue.shift()!;
      for (const route of routesFor(event, this.mode)) {
        if (this.stop) {
          this.queue.length = 0;
          throw new PassInterrupted(this.stop, made.at(-1)?.route);
        }
        if (made.length >= maxDeliveries) throw new Error(`more than ${maxDeliveries} deliveries: is there a routing loop?`);
        const started = performance.now();
        const delivery: Delivery = { route: route.name, step: route.step, input: route.input, event, ms: 0 };
        onProgress?.({ type: 'step-started', route: route.name, step: route.step, input: route.input });
        try {
          delivery.result = await dispatch(route, event);
        } catch (error) {
          delivery.error = errorMessage(error);
        }
        delivery.ms = performance.now() - started;
        made.push(delivery);
        this.deliveries.push(delivery);
        onProgress?.({ type: 'step-finished', delivery });
      }
    }
    return made;
  }
}
