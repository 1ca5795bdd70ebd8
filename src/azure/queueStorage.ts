import type { TokenCredential } from "@azure/core-auth";
import { QueueClient } from "@azure/storage-queue";
import type { StorageConfig } from "../config/storage.js";
import { statusOf } from "../core/httpStatus.js";

/** How a storage call is retried: three tries, 30 s each (the run's own deadline still applies). */
const RETRY = { maxTries: 3, tryTimeoutInMs: 30_000 };

/** A message as read back: its text and, when it was received rather than peeked, how to delete it. */
export interface QueuedMessage {
  text: string;
  insertedOn?: Date;
  dequeueCount: number;
  remove?: () => Promise<void>;
}

/** The few Queue storage operations the monitor uses, on one queue. */
export interface TextQueue {
  name: string;
  send: (text: string, timeToLiveSeconds: number) => Promise<void>;
  /** Up to 32 messages without hiding them (Queue storage's peek limit). */
  peek: () => Promise<QueuedMessage[]>;
  /** Up to 32 messages, hidden for `visibilitySeconds`, each deletable. */
  receive: (visibilitySeconds: number) => Promise<QueuedMessage[]>;
  /** The queue's approximate length (Queue storage counts it asynchronously). */
  length: () => Promise<number>;
}

/**
 * A queue of the Function App's storage: identity-based in Azure (the monitor's managed identity
 * holds Storage Queue Data Contributor), the connection string locally (Azurite). Undefined when
 * the storage settings name no Queue service (identity-based without a queue URI, or a connection
 * string with its own endpoints but no QueueEndpoint). The queue is created on first use.
 */
export function createTextQueue(
  storage: StorageConfig,
  credential: TokenCredential | undefined,
  name: string,
): TextQueue | undefined {
  let client: QueueClient;
  if (storage.kind === "identity") {
    if (!storage.queueServiceUri || !credential) return undefined;
    client = new QueueClient(`${storage.queueServiceUri.replace(/\/+$/, "")}/${name}`, credential, {
      retryOptions: RETRY,
    });
  } else {
    // explicit endpoints (an emulator) without a Queue endpoint: there is no Queue service to use
    const cs = storage.connectionString;
    if (/TableEndpoint=/i.test(cs) && !/QueueEndpoint=/i.test(cs)) return undefined;
    client = new QueueClient(cs, name, { retryOptions: RETRY });
  }
  let created: Promise<unknown> | undefined;
  const ensure = async (): Promise<void> => {
    created ??= client.createIfNotExists().catch((e: unknown) => {
      created = undefined;
      throw e;
    });
    await created;
  };
  const missing = (e: unknown): boolean => statusOf(e) === 404;
  return {
    name,
    send: async (text, ttl) => {
      await ensure();
      await client.sendMessage(text, { messageTimeToLive: ttl });
    },
    peek: async () => {
      try {
        const r = await client.peekMessages({ numberOfMessages: 32 });
        return r.peekedMessageItems.map((m) => ({
          text: m.messageText,
          insertedOn: m.insertedOn,
          dequeueCount: m.dequeueCount,
        }));
      } catch (e) {
        if (missing(e)) return [];
        throw e;
      }
    },
    receive: async (visibilitySeconds) => {
      try {
        const r = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: visibilitySeconds });
        return r.receivedMessageItems.map((m) => ({
          text: m.messageText,
          insertedOn: m.insertedOn,
          dequeueCount: m.dequeueCount,
          remove: async () => {
            await client.deleteMessage(m.messageId, m.popReceipt);
          },
        }));
      } catch (e) {
        if (missing(e)) return [];
        throw e;
      }
    },
    length: async () => {
      try {
        return (await client.getProperties()).approximateMessagesCount ?? 0;
      } catch (e) {
        if (missing(e)) return 0;
        throw e;
      }
    },
  };
}
