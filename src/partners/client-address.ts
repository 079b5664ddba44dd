import type { IncomingMessage } from "node:http";
import { isIPv6 } from "node:net";

/**
 * The address an anonymous budget is counted against: the peer's IPv4
 * address, or the /64 network of an IPv6 one (a single host is usually given
 * a whole /64, so counting single addresses would let it mint fresh budgets).
 * It is the socket's peer: behind a reverse proxy every client shares the
 * proxy's budget, so run the gateway where it sees clients directly or give
 * the proxy its own limits.
 */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(":")}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = "", tail] = address.split("%")[0]!.split("::", 2);
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill("0"), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ""));
}
