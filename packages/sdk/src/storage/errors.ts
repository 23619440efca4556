/** What the blob stores throw; every store throws these, whatever it keeps its blocks in. */

/** The store has no blob under this CID. */
export class BlobNotFoundError extends Error {
  override readonly name = "BlobNotFoundError";
  constructor(
    readonly cid: string,
    message = `no blob ${cid} in the store`,
  ) {
    super(message);
  }
}

/** What a store returned (or stored) does not hash to the CID: corruption or substitution. */
export class BlobIntegrityError extends Error {
  override readonly name = "BlobIntegrityError";
  constructor(
    readonly cid: string,
    message = `the store returned bytes that do not hash to ${cid}`,
  ) {
    super(message);
  }
}

/** A blob over the store's size limit (`maxSize`, 512 MiB by default). */
export class BlobTooLargeError extends Error {
  override readonly name = "BlobTooLargeError";
  constructor(
    /** The blob's size, or (when `atLeast`) what was read of it before the reader stopped. */
    readonly size: number,
    readonly limit: number,
    /** Whether `size` is a lower bound: a reader stops one byte past its limit. */
    readonly atLeast = false,
  ) {
    super(
      atLeast
        ? `a blob of more than ${limit} bytes is over this store's limit of ${limit} bytes`
        : `a blob of ${size} bytes is over this store's limit of ${limit} bytes`,
    );
  }
}

/** The IPFS node refused a request or could not be reached (`status` 0); `nodeMessage` is the node's own words. */
export class IpfsError extends Error {
  override readonly name = "IpfsError";
  constructor(
    readonly status: number,
    readonly nodeMessage: string,
    readonly endpoint: string,
  ) {
    super(status === 0 ? `IPFS ${endpoint}: ${nodeMessage}` : `IPFS ${endpoint} answered ${status}: ${nodeMessage}`);
  }
}

/** A write to a store that only reads (an HTTP gateway). */
export class ReadOnlyStoreError extends Error {
  override readonly name = "ReadOnlyStoreError";
}
