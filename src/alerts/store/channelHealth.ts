import { statusOf } from "../../core/httpStatus.js";
import type { ChannelName } from "./outbox.js";
import { parsed, type AlertTable } from "./table.js";

const CHANNELS = "channels";

export interface ChannelHealth {
  channel: ChannelName;
  consecutiveFailures: number;
  lastErrorClass?: string;
  degradedSince?: string;
  /** Whether the other channel was told about this degradation already. */
  toldOther: boolean;
  lastSuccessAt?: string;
}

/** How each channel's sends went lately: one row per channel. */
export class ChannelHealthStore {
  constructor(private readonly table: AlertTable) {}

  /** The channel's health; a channel never recorded (or whose row is unreadable) is healthy. */
  async get(channel: ChannelName): Promise<ChannelHealth> {
    await this.table.ensure();
    try {
      const e = await this.table.client.getEntity<Record<string, unknown>>(CHANNELS, channel);
      return (
        parsed<ChannelHealth>(e, "json") ??
        (this.table.skip(e, "channel"), { channel, consecutiveFailures: 0, toldOther: false })
      );
    } catch (e) {
      if (statusOf(e) === 404) return { channel, consecutiveFailures: 0, toldOther: false };
      throw e;
    }
  }

  async save(h: ChannelHealth): Promise<void> {
    await this.table.client.upsertEntity(
      { partitionKey: CHANNELS, rowKey: h.channel, json: JSON.stringify(h) },
      "Replace",
    );
  }
}
