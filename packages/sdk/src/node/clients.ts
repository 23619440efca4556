/**
 * How the SDK's services (the relayer, the document service) count a client for their per-minute limits: one
 * IPv4 address, or one IPv6 /64, the network a single subscriber is given (counting each IPv6 address would give
 * one machine billions of shares of the minute).
 */

/** A client's key for the limit: its IPv4 address, or its IPv6 /64 (one subscriber's network). */
export function clientOf(address: string | undefined): string {
  if (!address) return "?";
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1];
  const [head, tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
