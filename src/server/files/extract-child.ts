/**
 * The extraction child process (forked by extract-text.ts): reads one request from its parent,
 * extracts the text, sends it back and exits. It loads nothing of the app (no database, no settings),
 * and its parent kills it when it runs too long or grows too large.
 */
import { extractFromFile } from "./extractors.ts";
import { extractRequest, type ExtractReply } from "./extract-protocol.ts";

function reply(message: ExtractReply) {
  // Exit once the message is out: a big text takes more than one write on the IPC channel.
  process.send!(message, undefined, undefined, () => process.exit(0));
}

process.once("message", (message: unknown) => {
  void (async () => {
    const request = extractRequest.parse(message);
    try {
      reply({ ok: true, ...(await extractFromFile(request.path, request.kind)) });
    } catch (error) {
      reply({ ok: false, reason: error instanceof Error ? error.message : String(error) });
    }
  })();
});
