import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";

/**
 * smtp-server waits a fixed 100 ms before the greeting to catch clients that
 * talk first (spam bots that do not wait for 220 get "421 You talk too soon").
 * Hard-coded, it also caps every connection slot at 10 new sessions a second.
 * This makes the wait an option, `greetingDelayMs` on the server options, with
 * the same early-talker check at any value; `init` is otherwise the library's
 * (smtp-server 3.21 `SMTPConnection.init`).
 */
const PATCHED = Symbol.for("omnimail.greetingDelay");

interface ConnectionInternals {
  _server: { options: { maxClients?: number; greetingDelayMs?: number }; connections: Set<unknown> };
  _setListeners(callback: () => void): void;
  connectionReady(): void;
  send(code: number, data: string, context?: unknown): void;
  name: string;
}

export function installGreetingDelay(): void {
  const prototype = SMTPConnection.prototype as unknown as { init: () => void; [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  prototype.init = function init(this: ConnectionInternals) {
    this._setListeners(() => {
      const options = this._server.options;
      if (options.maxClients && this._server.connections.size > options.maxClients) {
        return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      }
      const timer = setTimeout(() => this.connectionReady(), options.greetingDelayMs ?? 100);
      timer.unref();
    });
  };
  prototype[PATCHED] = true;
}
