import { expect } from "chai";
import { createHash, hkdfSync, randomBytes as nodeRandomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";

import { xchacha20poly1305 } from "@noble/ciphers/chacha";
import { secp256k1 } from "@noble/curves/secp256k1";
import { SigningKey, Wallet, ZeroHash, getAddress, keccak256, randomBytes, toUtf8Bytes } from "ethers";

import {
  BlobIntegrityError,
  BlobNotFoundError,
  type BlobStore,
  BlobTooLargeError,
  CidError,
  DOCUMENT_FORMAT_VERSION,
  DOCUMENT_KEY_LENGTH,
  DOCUMENT_OVERHEAD,
  DecryptionError,
  ENCRYPTION_KEY_MESSAGE,
  IPFS_BLOCK_LIMIT,
  unixfsCid,
  IpfsError,
  IpfsHttpStore,
  KeyError,
  type KeyShare,
  KeyShareError,
  type KeyShareStore,
  MemoryBlobStore,
  MemoryKeyShareStore,
  RAW_CODEC,
  SHA256_CODE,
  type WrappedKey,
  cidDigest,
  cidFromUri,
  cidV1,
  compareShares,
  compressPublicKey,
  concatBytes,
  decryptDocument,
  encryptDocument,
  encryptionKeyFromPrivateKey,
  encryptionKeyFromSignature,
  equalBytes,
  fromHex,
  fromUtf8,
  hkdfSha256,
  generateDocumentKey,
  generateEncryptionKey,
  ipfsUri,
  matchesCid,
  normaliseAddress,
  normaliseGrantId,
  normaliseRecordId,
  normaliseShare,
  parseCid,
  sha256Hex,
  shareContext,
  toHex,
  unwrapKey,
  utf8,
  verifyBlob,
  wrapKey,
} from "../../packages/sdk/src/node";
import { FileKeyShareStore } from "../../packages/sdk/src/node/files";
import { HeliaBlobStore } from "../../packages/sdk/src/node/ipfs";
import { CID } from "../../packages/sdk/src/storage/unixfs-libs.mjs";
import { failure } from "../helpers/failure";

/*
 * CID vectors, computed independently with `multiformats` 13.4.2 (CID.create(1, raw.code, await sha256.digest(bytes)))
 * in a scratch project, and compared there with `cidV1` on random buffers of 0 B to 1 MiB + 41 B.
 */
const HELLO_CID = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";
const HELLO_SHA256 = "0xb94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
const EMPTY_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const ABC_CID = "bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu";
/** 1 MiB: sha256("MIIP test vector 0") || sha256("MIIP test vector 1") || … (see `mebibyte`). */
const MEBIBYTE_CID = "bafkreibp4fm7rtgzfld3qjwdav3k5acoty4rzpmdo3xqq7p26mbctvwfb4";
const MEBIBYTE_SHA256 = "0x2fe159f8ccd92ac7b826c30576ae804e9e391cbd8376ef087dfaf30229d6c50f";
/** A dag-pb CIDv1 (codec 0x70) and a dag-json one (codec 0x0129, a two-byte varint), from multiformats. */
const DAG_PB_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const DAG_PB_DIGEST = "0xc3c4733ec8affd06cf9e9ff50ffc6bcd2ec85a6170004bb709669c31de94391a";
const DAG_JSON_CID = "baguqeeraaoifrrxsydfuslcthmfe2fhpo7ga66flzthnkkd5qsq2eai47oaq";
/** Not accepted: sha2-512, identity hash, base58btc CIDv1, CIDv0. */
const SHA512_CID =
  "bafkrgqbqt3gerhas23vuzrapkdeqf4vu2dwxp3srdj6hvg6nhsug2tgyn6mj3u23yx7utftq3i2ckw2fwdh5qmhid5qf3t35yvkc5e5ottlw6";
const IDENTITY_CID = "bafkqac3imvwgy3zao5xxe3de";
const BASE58_CID = "zb2rhj7crUKTQYRGCRATFaQ6YFLTde2YzdqbbhAASkL9uRDXn";
const CID_V0 = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";

/** The order of secp256k1. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** Hardhat's first default account (a public test key). */
const HARDHAT_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const RECORDS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

function mebibyte(): Uint8Array {
  const out = new Uint8Array(1 << 20);
  for (let i = 0; i < out.length / 32; i++) {
    out.set(createHash("sha256").update(`MIIP test vector ${i}`).digest(), i * 32);
  }
  return out;
}

function random(n: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(n));
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] ^= 0x01;
  return copy;
}

function flipHex(hex: string, byte: number): string {
  return toHex(flip(fromHex(hex), byte));
}

describe("SDK crypto and storage", function () {
  describe("bytes", function () {
    it("converts hex and UTF-8 both ways", async function () {
      expect(toHex(Uint8Array.of(0, 1, 0xab, 0xff))).to.equal("0x0001abff");
      expect(fromHex("0x0001ABff")).to.deep.equal(Uint8Array.of(0, 1, 0xab, 0xff));
      expect(fromHex("0001abff")).to.deep.equal(Uint8Array.of(0, 1, 0xab, 0xff));
      expect(fromHex("0x")).to.deep.equal(new Uint8Array(0));
      expect(await failure(() => fromHex("0x123"))).to.be.instanceOf(TypeError);
      expect(await failure(() => fromHex("0xzz"))).to.be.instanceOf(TypeError);
      const text = "Compte rendu: glycémie 5,4 mmol/L — 혈당";
      expect(fromUtf8(utf8(text))).to.equal(text);
      expect(utf8("é")).to.deep.equal(Uint8Array.of(0xc3, 0xa9));
      expect(await failure(() => fromUtf8(Uint8Array.of(0xc3)))).to.be.instanceOf(TypeError);
    });

    it("compares and concatenates bytes", function () {
      expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).to.equal(true);
      expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).to.equal(false);
      expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1))).to.equal(false);
      expect(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).to.deep.equal(
        Uint8Array.of(1, 2, 3),
      );
    });
  });

  describe("CIDs", function () {
    it("computes the raw CIDv1 of known vectors", function () {
      expect(cidV1(utf8("hello world"))).to.equal(HELLO_CID);
      expect(cidV1(new Uint8Array(0))).to.equal(EMPTY_CID);
      expect(cidV1(utf8("abc"))).to.equal(ABC_CID);
      const big = mebibyte();
      expect(cidV1(big)).to.equal(MEBIBYTE_CID);
      expect(sha256Hex(big)).to.equal(MEBIBYTE_SHA256);
      expect(sha256Hex(utf8("hello world"))).to.equal(HELLO_SHA256);
    });

    it("parses base32 CIDv1 with SHA-256, whatever the codec", function () {
      expect(parseCid(HELLO_CID)).to.deep.equal({ version: 1, codec: RAW_CODEC, digest: HELLO_SHA256 });
      expect(cidDigest(HELLO_CID)).to.equal(HELLO_SHA256);
      expect(cidDigest(MEBIBYTE_CID)).to.equal(MEBIBYTE_SHA256);
      expect(parseCid(DAG_PB_CID)).to.deep.equal({ version: 1, codec: 0x70, digest: DAG_PB_DIGEST });
      expect(parseCid(DAG_JSON_CID).codec).to.equal(0x0129);
      expect(SHA256_CODE).to.equal(0x12);
      const bytes = random(100);
      expect(cidDigest(cidV1(bytes))).to.equal(sha256Hex(bytes));
      expect(matchesCid(bytes, cidV1(bytes))).to.equal(true);
      expect(matchesCid(flip(bytes, 0), cidV1(bytes))).to.equal(false);
    });

    it("refuses anything else with a readable CidError", async function () {
      const cases: [string, RegExp][] = [
        [CID_V0, /CIDv0/],
        [BASE58_CID, /should start with "b"/],
        [HELLO_CID.toUpperCase(), /should start with "b"/],
        [`b${HELLO_CID.slice(1).toUpperCase()}`, /base32/],
        [`${HELLO_CID}a`, /base32|32-byte/],
        [HELLO_CID.slice(0, -2), /base32|32-byte/],
        [`${HELLO_CID.slice(0, -1)}1`, /base32/],
        [SHA512_CID, /sha2-256/],
        [IDENTITY_CID, /sha2-256/],
        ["b", /truncated|version 1/],
        ["", /non-empty/],
      ];
      for (const [cid, message] of cases) {
        const error = await failure(() => parseCid(cid));
        expect(error, cid).to.be.instanceOf(CidError);
        expect(error.message, cid).to.match(message);
        expect(error.name).to.equal("CidError");
      }
      expect(await failure(() => cidDigest(CID_V0))).to.be.instanceOf(CidError);
      expect(await failure(() => matchesCid(new Uint8Array(0), "nope"))).to.be.instanceOf(CidError);
    });

    it("writes and reads ipfs:// URIs", async function () {
      expect(ipfsUri(HELLO_CID)).to.equal(`ipfs://${HELLO_CID}`);
      expect(cidFromUri(`ipfs://${HELLO_CID}`)).to.equal(HELLO_CID);
      expect(cidFromUri(ipfsUri(DAG_PB_CID))).to.equal(DAG_PB_CID);
      expect((await failure(() => cidFromUri(`https://ipfs.io/ipfs/${HELLO_CID}`))).message).to.match(/"https:"/);
      expect(await failure(() => cidFromUri(`ipfs://${HELLO_CID}/file.pdf`))).to.be.instanceOf(CidError);
      expect(await failure(() => cidFromUri(`ipfs://${CID_V0}`))).to.be.instanceOf(CidError);
      expect(await failure(() => cidFromUri(HELLO_CID))).to.be.instanceOf(CidError);
      expect(await failure(() => ipfsUri("not a cid"))).to.be.instanceOf(CidError);
    });
  });

  describe("documents", function () {
    it("round-trips a document under a fresh key, in the documented format", function () {
      const plaintext = utf8("Hemoglobin A1c: 5.4 %");
      const { ciphertext, key } = encryptDocument(plaintext);
      expect(key.length).to.equal(DOCUMENT_KEY_LENGTH);
      expect(ciphertext.length).to.equal(plaintext.length + DOCUMENT_OVERHEAD);
      expect(DOCUMENT_OVERHEAD).to.equal(41);
      expect(ciphertext[0]).to.equal(DOCUMENT_FORMAT_VERSION);
      expect(fromUtf8(decryptDocument(ciphertext, key))).to.equal("Hemoglobin A1c: 5.4 %");
      // Independently: version || nonce || XChaCha20-Poly1305(key, nonce, no AAD)
      const opened = xchacha20poly1305(key, ciphertext.subarray(1, 25)).decrypt(ciphertext.subarray(25));
      expect(fromUtf8(opened)).to.equal("Hemoglobin A1c: 5.4 %");
      // Fresh key and nonce each time.
      const again = encryptDocument(plaintext);
      expect(equalBytes(again.key, key)).to.equal(false);
      expect(equalBytes(again.ciphertext.subarray(1, 25), ciphertext.subarray(1, 25))).to.equal(false);
    });

    it("encrypts empty and 1 MiB documents", function () {
      const empty = encryptDocument(new Uint8Array(0));
      expect(empty.ciphertext.length).to.equal(DOCUMENT_OVERHEAD);
      expect(decryptDocument(empty.ciphertext, empty.key).length).to.equal(0);
      const big = random(1 << 20);
      const sealed = encryptDocument(big);
      expect(sealed.ciphertext.length).to.equal((1 << 20) + DOCUMENT_OVERHEAD);
      expect(equalBytes(decryptDocument(sealed.ciphertext, sealed.key), big)).to.equal(true);
    });

    it("uses a given key and binds the AAD", async function () {
      const key = generateDocumentKey();
      expect(key.length).to.equal(32);
      expect(equalBytes(key, generateDocumentKey())).to.equal(false);
      const aad = utf8("record 7");
      const { ciphertext, key: used } = encryptDocument(utf8("x-ray report"), { key, aad });
      expect(used).to.equal(key);
      expect(fromUtf8(decryptDocument(ciphertext, key, aad))).to.equal("x-ray report");
      expect(await failure(() => decryptDocument(ciphertext, key, utf8("record 8")))).to.be.instanceOf(DecryptionError);
      expect(await failure(() => decryptDocument(ciphertext, key))).to.be.instanceOf(DecryptionError);
      expect(await failure(() => encryptDocument(utf8("x"), { key: new Uint8Array(16) }))).to.be.instanceOf(KeyError);
    });

    it("refuses a wrong key, altered bytes, a bad version, short input, with DecryptionError", async function () {
      const { ciphertext, key } = encryptDocument(utf8("prescription: amoxicillin 500 mg"));
      const attempts: [string, () => unknown][] = [
        ["wrong key", () => decryptDocument(ciphertext, generateDocumentKey())],
        ["flipped key bit", () => decryptDocument(ciphertext, flip(key, 31))],
        ["altered body", () => decryptDocument(flip(ciphertext, 30), key)],
        ["altered tag", () => decryptDocument(flip(ciphertext, ciphertext.length - 1), key)],
        ["altered nonce", () => decryptDocument(flip(ciphertext, 5), key)],
        ["bad version", () => decryptDocument(flip(ciphertext, 0), key)],
        ["truncated", () => decryptDocument(ciphertext.subarray(0, ciphertext.length - 1), key)],
        ["too short", () => decryptDocument(ciphertext.subarray(0, DOCUMENT_OVERHEAD - 1), key)],
        ["short key", () => decryptDocument(ciphertext, key.subarray(0, 16))],
      ];
      for (const [what, attempt] of attempts) {
        const error = await failure(attempt);
        expect(error, what).to.be.instanceOf(DecryptionError);
        expect(error.name).to.equal("DecryptionError");
        expect(error.message).not.to.include("amoxicillin");
      }
    });
  });

  describe("HKDF-SHA256 (over ethers' HMAC)", function () {
    it("gives RFC 5869's test vectors", function () {
      const range = (from: number, to: number) => Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
      const ikm = new Uint8Array(22).fill(0x0b);
      expect(toHex(hkdfSha256(ikm, range(0x00, 0x0c), range(0xf0, 0xf9), 42))).to.equal(
        "0x3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
      );
      expect(toHex(hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42))).to.equal(
        "0x8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
      );
    });

    it("agrees with Node's hkdfSync for every length from 1 to 100 bytes, and refuses lengths out of range", function () {
      const ikm = nodeRandomBytes(40);
      const salt = nodeRandomBytes(16);
      const info = nodeRandomBytes(9);
      for (let length = 1; length <= 100; length++) {
        const expected = new Uint8Array(hkdfSync("sha256", ikm, salt, info, length));
        expect(toHex(hkdfSha256(ikm, salt, info, length)), `${length} bytes`).to.equal(toHex(expected));
      }
      for (const length of [0, 255 * 32 + 1, 1.5]) {
        expect(() => hkdfSha256(ikm, salt, info, length)).to.throw(RangeError, "HKDF: length out of range");
      }
    });
  });

  describe("key wrapping", function () {
    const context = shareContext(31337n, RECORDS, 7n, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    it("lets the grantee unwrap and nobody else", async function () {
      const grantee = generateEncryptionKey();
      const other = generateEncryptionKey();
      const key = generateDocumentKey();
      const wrapped = wrapKey(key, grantee.publicKey, context);
      expect(wrapped.version).to.equal(1);
      expect(fromHex(wrapped.ephemeralPublicKey).length).to.equal(33);
      expect(fromHex(wrapped.nonce).length).to.equal(24);
      expect(fromHex(wrapped.ciphertext).length).to.equal(48);
      const parsed = JSON.parse(JSON.stringify(wrapped)) as WrappedKey;
      expect(equalBytes(unwrapKey(parsed, grantee.privateKey, context), key)).to.equal(true);
      expect(equalBytes(unwrapKey(wrapped, toHex(grantee.privateKey), context), key)).to.equal(true);
      expect(await failure(() => unwrapKey(wrapped, other.privateKey, context))).to.be.instanceOf(DecryptionError);
      // A fresh ephemeral key per wrap.
      expect(wrapKey(key, grantee.publicKey, context).ephemeralPublicKey).not.to.equal(wrapped.ephemeralPublicKey);
    });

    it("follows the documented construction (checked with Node's HKDF, and ECDH by ethers and by @noble/curves)", function () {
      const grantee = generateEncryptionKey();
      const key = generateDocumentKey();
      const wrapped = wrapKey(key, grantee.publicKey, context);
      const shared = fromHex(new SigningKey(grantee.privateKey).computeSharedSecret(wrapped.ephemeralPublicKey));
      // The same secret by a second implementation of the curve (@noble/curves, which the SDK used before).
      const noble = secp256k1.getSharedSecret(grantee.privateKey, fromHex(wrapped.ephemeralPublicKey), true);
      expect(toHex(noble.subarray(1))).to.equal(toHex(shared.subarray(1, 33)));
      expect(toHex(secp256k1.getPublicKey(grantee.privateKey, true))).to.equal(grantee.publicKey);
      const salt = concatBytes(fromHex(wrapped.ephemeralPublicKey), fromHex(grantee.publicKey));
      const info = concatBytes(utf8("MIIP key wrap v1"), context);
      const kek = new Uint8Array(hkdfSync("sha256", shared.subarray(1, 33), salt, info, 32));
      const opened = xchacha20poly1305(kek, fromHex(wrapped.nonce), context).decrypt(fromHex(wrapped.ciphertext));
      expect(equalBytes(opened, key)).to.equal(true);
    });

    it("fails on an altered context or altered fields", async function () {
      const grantee = generateEncryptionKey();
      const wrapped = wrapKey(generateDocumentKey(), grantee.publicKey, context);
      const other = generateEncryptionKey();
      const tampered: WrappedKey[] = [
        { ...wrapped, ciphertext: flipHex(wrapped.ciphertext, 0) },
        { ...wrapped, ciphertext: flipHex(wrapped.ciphertext, 47) },
        { ...wrapped, nonce: flipHex(wrapped.nonce, 3) },
        { ...wrapped, ephemeralPublicKey: other.publicKey },
        { ...wrapped, ephemeralPublicKey: flipHex(wrapped.ephemeralPublicKey, 32) },
        { ...wrapped, ephemeralPublicKey: "0x1234" },
        // 32 bytes: a private key's length, never read as one.
        { ...wrapped, ephemeralPublicKey: toHex(other.privateKey) },
        { ...wrapped, ciphertext: wrapped.ciphertext.slice(0, -2) },
        { ...wrapped, nonce: "0xzz" },
        { ...wrapped, version: 2 as 1 },
      ];
      for (const bad of tampered) {
        expect(await failure(() => unwrapKey(bad, grantee.privateKey, context))).to.be.instanceOf(DecryptionError);
      }
      const altered = flip(context, context.length - 1);
      expect(await failure(() => unwrapKey(wrapped, grantee.privateKey, altered))).to.be.instanceOf(DecryptionError);
      expect(await failure(() => unwrapKey(wrapped, grantee.privateKey, new Uint8Array(0)))).to.be.instanceOf(
        DecryptionError,
      );
    });

    it("accepts compressed and uncompressed public keys, as hex or bytes", function () {
      const grantee = generateEncryptionKey();
      const uncompressed = new SigningKey(grantee.privateKey).publicKey; // 0x04…, 65 bytes
      expect(fromHex(uncompressed).length).to.equal(65);
      expect(compressPublicKey(uncompressed)).to.equal(grantee.publicKey);
      expect(compressPublicKey(fromHex(uncompressed))).to.equal(grantee.publicKey);
      expect(compressPublicKey(grantee.publicKey.slice(2).toUpperCase())).to.equal(grantee.publicKey);
      const key = generateDocumentKey();
      for (const publicKey of [uncompressed, fromHex(uncompressed), fromHex(grantee.publicKey)]) {
        expect(equalBytes(unwrapKey(wrapKey(key, publicKey, context), grantee.privateKey, context), key)).to.equal(
          true,
        );
      }
    });

    it("rejects invalid keys with KeyError", async function () {
      const grantee = generateEncryptionKey();
      const offCurve = `0x02${"ff".repeat(32)}`;
      const badPoint = flipHex(new SigningKey(grantee.privateKey).publicKey, 64);
      const key = generateDocumentKey();
      for (const publicKey of [offCurve, badPoint, "0x1234", "not hex", `0x05${grantee.publicKey.slice(4)}`, ""]) {
        const error = await failure(() => wrapKey(key, publicKey, context));
        expect(error, publicKey).to.be.instanceOf(KeyError);
        expect(error.name).to.equal("KeyError");
      }
      expect(await failure(() => compressPublicKey(new Uint8Array(64)))).to.be.instanceOf(KeyError);
      expect(await failure(() => wrapKey(new Uint8Array(16), grantee.publicKey, context))).to.be.instanceOf(KeyError);
      const wrapped = wrapKey(key, grantee.publicKey, context);
      for (const privateKey of [new Uint8Array(32), toHex(new Uint8Array(31)), `0x${N.toString(16)}`, "zz"]) {
        expect(await failure(() => unwrapKey(wrapped, privateKey, context))).to.be.instanceOf(KeyError);
        expect(await failure(() => encryptionKeyFromPrivateKey(privateKey))).to.be.instanceOf(KeyError);
      }
    });
  });

  describe("encryption identities", function () {
    it("derives the same key from a wallet's signature every time, as documented", async function () {
      expect(ENCRYPTION_KEY_MESSAGE).to.match(/^MIIP encryption key v1\n\n/);
      const wallet = new Wallet(HARDHAT_KEY);
      const signature = await wallet.signMessage(ENCRYPTION_KEY_MESSAGE);
      const first = encryptionKeyFromSignature(signature);
      const second = encryptionKeyFromSignature(await wallet.signMessage(ENCRYPTION_KEY_MESSAGE));
      expect(second.publicKey).to.equal(first.publicKey);
      expect(equalBytes(second.privateKey, first.privateKey)).to.equal(true);
      // The formula, with Node's HKDF and ethers' key arithmetic.
      const expected = new Uint8Array(
        hkdfSync("sha256", fromHex(signature), utf8("MIIP"), utf8("encryption key v1"), 32),
      );
      expect(toHex(first.privateKey)).to.equal(toHex(expected));
      expect(first.publicKey).to.equal(new SigningKey(expected).compressedPublicKey);
      // Not the account's own key, and another account gets another key.
      expect(toHex(first.privateKey)).not.to.equal(HARDHAT_KEY);
      const other = encryptionKeyFromSignature(await Wallet.createRandom().signMessage(ENCRYPTION_KEY_MESSAGE));
      expect(other.publicKey).not.to.equal(first.publicKey);
      // It opens what was wrapped for it.
      const context = utf8("ctx");
      const key = generateDocumentKey();
      expect(equalBytes(unwrapKey(wrapKey(key, first.publicKey, context), second.privateKey, context), key)).to.equal(
        true,
      );
    });

    it("derives the same key from every encoding of the same signature", async function () {
      const signature = await new Wallet(HARDHAT_KEY).signMessage(ENCRYPTION_KEY_MESSAGE);
      const expected = encryptionKeyFromSignature(signature).publicKey;
      const bytes = fromHex(signature);
      const v = bytes[64];
      const zeroOne = toHex(concatBytes(bytes.subarray(0, 64), Uint8Array.of(v - 27)));
      const s = BigInt(toHex(bytes.subarray(32, 64)));
      const highS = toHex(
        concatBytes(
          bytes.subarray(0, 32),
          fromHex((N - s).toString(16).padStart(64, "0")),
          Uint8Array.of(v === 27 ? 28 : 27),
        ),
      );
      const yParityAndS = (BigInt(v - 27) << 255n) | s;
      const compact = toHex(concatBytes(bytes.subarray(0, 32), fromHex(yParityAndS.toString(16).padStart(64, "0"))));
      for (const form of [zeroOne, highS, compact, signature.slice(2), signature.toUpperCase().replace("0X", "0x")]) {
        expect(encryptionKeyFromSignature(form).publicKey, form).to.equal(expected);
      }
      const bad = [
        "0x1234",
        "not hex",
        toHex(concatBytes(bytes.subarray(0, 64), Uint8Array.of(29))),
        toHex(concatBytes(bytes.subarray(0, 32), new Uint8Array(32), Uint8Array.of(27))),
      ];
      for (const form of bad) {
        expect(await failure(() => encryptionKeyFromSignature(form))).to.be.instanceOf(KeyError);
      }
    });

    it("takes keys made in another realm (an iframe, a VM context), and refuses what is not bytes", function () {
      const grantee = generateEncryptionKey();
      const here = shareContext(31337n, RECORDS, 7n, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
      const foreign = (bytes: Uint8Array) => {
        const copy = vm.runInNewContext(`new Uint8Array(${bytes.length})`) as Uint8Array;
        copy.set(bytes);
        return copy;
      };
      expect(foreign(grantee.privateKey) instanceof Uint8Array).to.equal(false);
      const key = generateDocumentKey();
      const wrapped = wrapKey(key, foreign(fromHex(grantee.publicKey)), here);
      expect(equalBytes(unwrapKey(wrapped, foreign(grantee.privateKey), here), key)).to.equal(true);
      expect(compressPublicKey(foreign(fromHex(grantee.publicKey)))).to.equal(grantee.publicKey);
      expect(sha256Hex(foreign(utf8("abc")))).to.equal(sha256Hex(utf8("abc")));
      for (const notBytes of ["abc", [1, 2, 3], undefined]) {
        expect(() => sha256Hex(notBytes as unknown as Uint8Array)).to.throw(TypeError, "expected a Uint8Array");
        expect(() => toHex(notBytes as unknown as Uint8Array)).to.throw(TypeError, "expected a Uint8Array");
        expect(() => hkdfSha256(notBytes as unknown as Uint8Array, utf8("s"), utf8("i"), 32)).to.throw(TypeError);
      }
    });

    it("refuses to draw keys from a broken random source instead of looping", function () {
      const original = randomBytes._;
      randomBytes.register((length: number) => new Uint8Array(length));
      try {
        expect(() => generateEncryptionKey()).to.throw(
          KeyError,
          "the random source gave no valid secp256k1 private key",
        );
      } finally {
        randomBytes.register(original);
      }
      expect(generateEncryptionKey().publicKey).to.match(/^0x0[23][0-9a-f]{64}$/);
    });

    it("builds key pairs from private keys and at random", function () {
      const fromBytes = encryptionKeyFromPrivateKey(fromHex(HARDHAT_KEY));
      const fromString = encryptionKeyFromPrivateKey(HARDHAT_KEY);
      expect(fromBytes.publicKey).to.equal(new SigningKey(HARDHAT_KEY).compressedPublicKey);
      expect(fromString.publicKey).to.equal(fromBytes.publicKey);
      expect(toHex(fromString.privateKey)).to.equal(HARDHAT_KEY);
      const a = generateEncryptionKey();
      const b = generateEncryptionKey();
      expect(a.privateKey.length).to.equal(32);
      expect(a.publicKey).to.match(/^0x0[23][0-9a-f]{64}$/);
      expect(a.publicKey).not.to.equal(b.publicKey);
      expect(new SigningKey(a.privateKey).compressedPublicKey).to.equal(a.publicKey);
    });
  });

  describe("key shares", function () {
    const patient = Wallet.createRandom().address;
    const grantee = Wallet.createRandom().address;
    const hospital = Wallet.createRandom().address;
    const grantId = keccak256(toUtf8Bytes("grant 1"));

    it("builds the share context and binds wraps to it", async function () {
      const context = shareContext(31337n, RECORDS, 12n, getAddress(grantee));
      expect(fromUtf8(context)).to.equal(`MIIP|31337|${RECORDS.toLowerCase()}|12|${grantee.toLowerCase()}`);
      expect(shareContext(31337n, RECORDS.toLowerCase(), 12n, grantee.toLowerCase())).to.deep.equal(context);
      const reader = generateEncryptionKey();
      const key = generateDocumentKey();
      const wrapped = wrapKey(key, reader.publicKey, context);
      expect(equalBytes(unwrapKey(wrapped, reader.privateKey, context), key)).to.equal(true);
      const elsewhere = [
        shareContext(31337n, RECORDS, 13n, grantee),
        shareContext(31337n, RECORDS, 12n, patient),
        shareContext(1n, RECORDS, 12n, grantee),
        shareContext(31337n, hospital, 12n, grantee),
      ];
      for (const other of elsewhere) {
        expect(await failure(() => unwrapKey(wrapped, reader.privateKey, other))).to.be.instanceOf(DecryptionError);
      }
      expect(await failure(() => shareContext(31337n, "0x1234", 1n, grantee))).to.be.instanceOf(KeyShareError);
      expect(await failure(() => shareContext(0n, RECORDS, 1n, grantee))).to.be.instanceOf(KeyShareError);
    });

    it("normalises record ids, addresses, grant ids and shares", async function () {
      expect(normaliseRecordId(7n)).to.equal("7");
      expect(normaliseRecordId("007")).to.equal("7");
      expect(normaliseRecordId(0n)).to.equal("0");
      for (const bad of ["-1", "0x10", "", "1.5", "abc", -1n, 1n << 256n]) {
        const error = await failure(() => normaliseRecordId(bad));
        expect(error, String(bad)).to.be.instanceOf(KeyShareError);
        expect(error.name).to.equal("KeyShareError");
      }
      expect(normaliseAddress(grantee.toLowerCase())).to.equal(grantee);
      expect(await failure(() => normaliseAddress("0xabc"))).to.be.instanceOf(KeyShareError);
      expect(normaliseGrantId(grantId.toUpperCase().replace("0X", "0x"))).to.equal(grantId);
      expect(await failure(() => normaliseGrantId("0x1234"))).to.be.instanceOf(KeyShareError);

      const reader = generateEncryptionKey();
      const uncompressed = new SigningKey(reader.privateKey).publicKey;
      const share: KeyShare = {
        recordId: "012",
        recipient: grantee.toLowerCase(),
        grantId,
        publicKey: uncompressed,
        wrapped: wrapKey(generateDocumentKey(), reader.publicKey, utf8("c")),
        createdAt: 1_700_000_000,
      };
      const normal = normaliseShare(share);
      expect(normal).to.deep.equal({ ...share, recordId: "12", recipient: grantee, publicKey: reader.publicKey });
      const broken: unknown[] = [
        null,
        { ...share, wrapped: { ...share.wrapped, version: 2 } },
        { ...share, wrapped: { ...share.wrapped, nonce: 12 } },
        { ...share, createdAt: -1 },
        { ...share, createdAt: 1.5 },
        { ...share, publicKey: "0x1234" },
        { ...share, recipient: "someone" },
        // Exactly what wrapKey makes, no more: a share is not a place to store anything else.
        { ...share, wrapped: { ...share.wrapped, ciphertext: `0x${"ab".repeat(31_000)}` } },
        { ...share, wrapped: { ...share.wrapped, nonce: "0x00" } },
        { ...share, wrapped: { ...share.wrapped, ephemeralPublicKey: `${share.wrapped.ephemeralPublicKey}00` } },
      ];
      for (const bad of broken) {
        expect(await failure(() => normaliseShare(bad as KeyShare))).to.be.instanceOf(KeyShareError);
      }
      const sorted = [
        { ...normal, recordId: "10", recipient: patient },
        { ...normal, recordId: "9", recipient: grantee },
        { ...normal, recordId: "10", recipient: grantee },
      ].sort(compareShares);
      expect(sorted.map((s) => s.recordId)).to.deep.equal(["9", "10", "10"]);
      expect(sorted[1].recipient.toLowerCase() < sorted[2].recipient.toLowerCase()).to.equal(true);
    });

    const shareStores: [string, () => { store: KeyShareStore; cleanup: () => void; dir?: string }][] = [
      ["MemoryKeyShareStore", () => ({ store: new MemoryKeyShareStore(), cleanup: () => undefined })],
      [
        "FileKeyShareStore",
        () => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "miip-shares-"));
          return { store: new FileKeyShareStore(dir), dir, cleanup: () => fs.rmSync(dir, { recursive: true }) };
        },
      ],
    ];

    for (const [name, make] of shareStores) {
      it(`${name}: stores, replaces and lists shares`, async function () {
        const { store, cleanup, dir } = make();
        try {
          const reader = generateEncryptionKey();
          const share = (recordId: string, recipient: string, grant: string, createdAt = 1_700_000_000): KeyShare => ({
            recordId,
            recipient,
            grantId: grant,
            publicKey: reader.publicKey,
            wrapped: wrapKey(generateDocumentKey(), reader.publicKey, utf8(`${recordId}|${recipient}`)),
            createdAt,
          });
          expect(await store.get(1n, patient)).to.equal(undefined);
          expect(await store.byRecord(1n)).to.deep.equal([]);
          expect(await store.byGrant(grantId)).to.deep.equal([]);

          const owner = share("1", patient.toLowerCase(), ZeroHash);
          await store.put(owner);
          await store.put(share("1", hospital, ZeroHash));
          await store.put(share("2", patient, ZeroHash));
          await store.put(share("1", grantee, grantId));
          await store.put(share("2", grantee, grantId));

          const got = await store.get("1", patient.toLowerCase());
          expect(got).to.deep.equal({ ...owner, recipient: patient });
          expect(await store.get(1n, patient)).to.deep.equal(got);
          expect(await store.get(3n, patient)).to.equal(undefined);
          expect(await store.get(1n, Wallet.createRandom().address)).to.equal(undefined);

          const latest = share("1", grantee, grantId, 1_700_000_100);
          await store.put(latest);
          expect(await store.get(1n, grantee)).to.deep.equal(latest);

          const ofRecord = await store.byRecord(1n);
          expect(ofRecord.map((s) => s.recipient)).to.have.members([patient, hospital, grantee]);
          expect(ofRecord.length).to.equal(3);
          expect([...ofRecord].sort(compareShares)).to.deep.equal(ofRecord);
          expect((await store.byRecord("2")).length).to.equal(2);

          const ofGrant = await store.byGrant(grantId);
          expect(ofGrant.map((s) => [s.recordId, s.recipient])).to.deep.equal([
            ["1", grantee],
            ["2", grantee],
          ]);
          expect(ofGrant[0]).to.deep.equal(latest);
          expect((await store.byGrant(ZeroHash)).length).to.equal(3);

          // A share made again under another grant moves from the first grant's list to the second's.
          const otherGrant = `0x${"cd".repeat(32)}`;
          await store.put(share("2", grantee, otherGrant));
          expect((await store.byGrant(grantId)).map((s) => s.recordId)).to.deep.equal(["1"]);
          expect((await store.byGrant(otherGrant)).map((s) => s.recordId)).to.deep.equal(["2"]);
          if (dir) {
            // Listed from the grant's index: one folder, one entry per share, not a scan of every record.
            expect(fs.readdirSync(path.join(dir, "shares-by-grant", otherGrant))).to.deep.equal([`2-${grantee}`]);
            // The first grant's entry for record 2 stays (removing it could race with a write), and is skipped.
            expect(fs.readdirSync(path.join(dir, "shares-by-grant", grantId)).sort()).to.deep.equal(
              [`1-${grantee}`, `2-${grantee}`].sort(),
            );
          }
          await store.put(share("2", grantee, grantId));

          // What a caller does with a returned share does not change the store.
          const copy = (await store.get(1n, grantee))!;
          copy.wrapped.ciphertext = "0x00";
          expect(await store.get(1n, grantee)).to.deep.equal(latest);

          expect(await failure(() => store.put({ ...latest, grantId: "0x12" }))).to.be.instanceOf(KeyShareError);
          expect(await failure(() => store.get("x", grantee))).to.be.instanceOf(KeyShareError);

          if (dir) {
            const file = path.join(dir, "shares", "1", `${grantee}.json`);
            expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal(latest);
            expect(fs.readdirSync(path.join(dir, "shares", "1")).sort()).to.deep.equal(
              [patient, hospital, grantee].map((a) => `${a}.json`).sort(),
            );
            fs.writeFileSync(file, "{ not json");
            const error = await failure(() => store.get(1n, grantee));
            expect(error).to.be.instanceOf(KeyShareError);
            expect(error.message).to.include(file);
          }
        } finally {
          cleanup();
        }
      });
    }
  });

  describe("blob stores", function () {
    let server: FakeKubo;

    before(async function () {
      server = await FakeKubo.start();
    });

    after(async function () {
      await server.close();
    });

    beforeEach(function () {
      server.reset();
    });

    const blobStores: [string, () => Promise<{ store: BlobStore; cleanup: () => Promise<void>; dir?: string }>][] = [
      ["MemoryBlobStore", async () => ({ store: new MemoryBlobStore(), cleanup: async () => undefined })],
      [
        "HeliaBlobStore",
        async () => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "miip-blobs-"));
          const store = await HeliaBlobStore.open(dir);
          const cleanup = async () => {
            await store.stop();
            fs.rmSync(dir, { recursive: true });
          };
          return { store, dir, cleanup };
        },
      ],
      [
        "IpfsHttpStore",
        async () => ({ store: new IpfsHttpStore({ url: `${server.url}/` }), cleanup: async () => undefined }),
      ],
    ];

    for (const [name, make] of blobStores) {
      it(`${name}: stores ciphertexts under their CID`, async function () {
        const { store, cleanup, dir } = await make();
        try {
          const { ciphertext, key } = encryptDocument(utf8("discharge summary"));
          const cid = await store.put(ciphertext);
          expect(cid).to.equal(cidV1(ciphertext));
          expect(await store.put(ciphertext)).to.equal(cid);
          expect(await store.has(cid)).to.equal(true);
          expect(fromUtf8(decryptDocument(await store.get(cid), key))).to.equal("discharge summary");

          expect(await store.put(new Uint8Array(0))).to.equal(EMPTY_CID);
          expect((await store.get(EMPTY_CID)).length).to.equal(0);
          const hello = Uint8Array.from(utf8("hello world"));
          expect(await store.put(hello)).to.equal(HELLO_CID);
          hello[0] = 0; // the store kept its own bytes
          expect(fromUtf8(await store.get(HELLO_CID))).to.equal("hello world");

          expect(await store.has(ABC_CID)).to.equal(false);
          const missing = await failure(() => store.get(ABC_CID));
          expect(missing).to.be.instanceOf(BlobNotFoundError);
          expect((missing as BlobNotFoundError).cid).to.equal(ABC_CID);
          expect(missing.name).to.equal("BlobNotFoundError");
          for (const call of [() => store.get(CID_V0), () => store.has("../../etc/passwd"), () => store.get("")]) {
            expect(await failure(call)).to.be.instanceOf(CidError);
          }

          if (dir) {
            // On disk: one file per block under the node's folder, each holding exactly the block's bytes.
            const files = blockFiles(dir);
            expect(files.length).to.equal(3);
            expect(files.some((file) => equalBytes(new Uint8Array(fs.readFileSync(file)), ciphertext))).to.equal(true);
            expect(await (store as HeliaBlobStore).pinned(cid)).to.equal(true);
          }
        } finally {
          await cleanup();
        }
      });

      it(`${name}: refuses bytes that do not hash to the CID`, async function () {
        const { store, cleanup, dir } = await make();
        try {
          const cid = await store.put(utf8("hello world"));
          if (store instanceof MemoryBlobStore) {
            (store as unknown as { blocks: Map<string, Uint8Array> }).blocks.get(cid)![0] ^= 1;
          } else if (dir) {
            fs.writeFileSync(blockFiles(dir)[0], "hello worle");
          } else {
            server.swap = true;
          }
          const error = await failure(() => store.get(cid));
          expect(error).to.be.instanceOf(BlobIntegrityError);
          expect((error as BlobIntegrityError).cid).to.equal(cid);
          expect(error.name).to.equal("BlobIntegrityError");
        } finally {
          await cleanup();
        }
      });
    }

    it("verifyBlob checks bytes against a CID", async function () {
      const bytes = utf8("hello world");
      expect(verifyBlob(HELLO_CID, bytes)).to.equal(bytes);
      expect(await failure(() => verifyBlob(EMPTY_CID, bytes))).to.be.instanceOf(BlobIntegrityError);
    });

    it("stores 1 MiB documents in memory and in the embedded IPFS node", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "miip-big-"));
      const helia = await HeliaBlobStore.open(dir);
      try {
        const document = mebibyte();
        const { ciphertext, key } = encryptDocument(document);
        for (const store of [new MemoryBlobStore(), helia]) {
          const cid = await store.put(ciphertext);
          expect(equalBytes(decryptDocument(await store.get(cid), key), document)).to.equal(true);
        }
      } finally {
        await helia.stop();
        fs.rmSync(dir, { recursive: true });
      }
    });

    it("IpfsHttpStore talks to Kubo's RPC API as documented", async function () {
      const store = new IpfsHttpStore({ url: server.url });
      const cid = await store.put(utf8("hello world"));
      expect(cid).to.equal(HELLO_CID);
      const put = server.requests.find((r) => r.path === "/api/v0/block/put")!;
      expect(put.method).to.equal("POST");
      expect(Object.fromEntries(put.query)).to.deep.equal({ "cid-codec": "raw", mhtype: "sha2-256", pin: "true" });
      expect(put.field).to.equal("file");
      await store.has(cid);
      const stat = server.requests.find((r) => r.path === "/api/v0/block/stat")!;
      expect(stat.query.get("arg")).to.equal(cid);
      expect(stat.query.get("offline")).to.equal("true");
      await store.get(cid);
      expect(server.requests.find((r) => r.path === "/api/v0/block/get")!.query.get("arg")).to.equal(cid);

      const timed = new IpfsHttpStore({ url: server.url, timeout: 1500 });
      await timed.has(cid);
      expect(server.requests.at(-1)!.query.get("timeout")).to.equal("1500ms");
    });

    it("IpfsHttpStore writes a document over 1 MiB as UnixFS blocks, none over Kubo's 1 MiB limit", async function () {
      expect(IPFS_BLOCK_LIMIT).to.equal(1 << 20);
      const { ciphertext, key } = encryptDocument(mebibyte());
      const store = new IpfsHttpStore({ url: server.url });
      const cid = await store.put(ciphertext);
      expect(cid).to.equal(await unixfsCid(ciphertext));
      const puts = server.requests.filter((r) => r.path === "/api/v0/block/put");
      expect(puts.map((r) => r.query.get("cid-codec")).sort()).to.deep.equal(["dag-pb", "raw", "raw"]);
      expect(puts.every((r) => r.query.get("allow-big-block") === null)).to.equal(true);
      expect([...server.blocks.values()].every((block) => block.length <= IPFS_BLOCK_LIMIT)).to.equal(true);
      expect(equalBytes(decryptDocument(await store.get(cid), key), mebibyte())).to.equal(true);

      const small = new IpfsHttpStore({ url: server.url, maxSize: 1000 });
      server.requests = [];
      const error = await failure(() => small.put(ciphertext));
      expect(error).to.be.instanceOf(BlobTooLargeError);
      expect((error as BlobTooLargeError).limit).to.equal(1000);
      expect(server.requests).to.deep.equal([]);
      expect(await failure(() => small.get(cid))).to.be.instanceOf(BlobTooLargeError);
    });

    it("IpfsHttpStore reports a node's refusals and a lying node", async function () {
      const store = new IpfsHttpStore({ url: server.url });
      server.lie = true;
      const lie = await failure(() => store.put(utf8("hello world")));
      expect(lie).to.be.instanceOf(BlobIntegrityError);
      expect(lie.message).to.include(EMPTY_CID);
      server.lie = false;

      server.broken = true;
      for (const call of [() => store.put(utf8("x")), () => store.get(HELLO_CID), () => store.has(HELLO_CID)]) {
        const error = await failure(call);
        expect(error).to.be.instanceOf(IpfsError);
        expect((error as IpfsError).status).to.equal(500);
        expect((error as IpfsError).nodeMessage).to.equal("datastore: disk full");
        expect(error.message).to.match(/block\/(put|get|stat) answered 500: datastore: disk full/);
        expect(error.name).to.equal("IpfsError");
      }
      server.broken = false;

      const closed = await FakeKubo.start();
      await closed.close();
      const unreachable = await failure(() => new IpfsHttpStore({ url: closed.url }).has(HELLO_CID));
      expect(unreachable).to.be.instanceOf(IpfsError);
      expect((unreachable as IpfsError).status).to.equal(0);

      const fetched: string[] = [];
      const custom = new IpfsHttpStore({
        url: "http://ipfs.invalid:5001",
        fetch: async (input) => {
          fetched.push(String(input));
          return new Response("405 - Method Not Allowed", { status: 405 });
        },
      });
      const refused = await failure(() => custom.has(HELLO_CID));
      expect((refused as IpfsError).status).to.equal(405);
      expect((refused as IpfsError).nodeMessage).to.equal("405 - Method Not Allowed");
      expect(fetched).to.deep.equal([`http://ipfs.invalid:5001/api/v0/block/stat?arg=${HELLO_CID}&offline=true`]);
      expect(await failure(() => new IpfsHttpStore({ url: "127.0.0.1:5001" }))).to.be.instanceOf(TypeError);
    });
  });

  describe("a document shared under a grant", function () {
    it("opens for the patient and the grantee, not for a third party", async function () {
      const chainId = 31337n;
      const [patientWallet, granteeWallet, strangerWallet] = [0, 1, 2].map(() => Wallet.createRandom());
      const patientKey = encryptionKeyFromSignature(await patientWallet.signMessage(ENCRYPTION_KEY_MESSAGE));
      const granteeKey = encryptionKeyFromSignature(await granteeWallet.signMessage(ENCRYPTION_KEY_MESSAGE));
      const strangerKey = encryptionKeyFromSignature(await strangerWallet.signMessage(ENCRYPTION_KEY_MESSAGE));
      const store = new MemoryBlobStore();
      const shares = new MemoryKeyShareStore();
      const recordId = 42n;
      const grantId = keccak256(toUtf8Bytes("grant 42"));

      // The hospital encrypts, stores the ciphertext, registers ipfs://<cid>, wraps the key for the patient.
      const { ciphertext, key } = encryptDocument(utf8("MRI: no abnormality detected"));
      const uri = ipfsUri(await store.put(ciphertext));
      await shares.put({
        recordId: recordId.toString(),
        recipient: patientWallet.address,
        grantId: ZeroHash,
        publicKey: patientKey.publicKey,
        wrapped: wrapKey(key, patientKey.publicKey, shareContext(chainId, RECORDS, recordId, patientWallet.address)),
        createdAt: 1_700_000_000,
      });
      key.fill(0);

      // The patient re-wraps the key for the grantee.
      const own = (await shares.get(recordId, patientWallet.address))!;
      const documentKey = unwrapKey(
        own.wrapped,
        patientKey.privateKey,
        shareContext(chainId, RECORDS, recordId, patientWallet.address),
      );
      const granteeContext = shareContext(chainId, RECORDS, recordId, granteeWallet.address);
      await shares.put({
        recordId: recordId.toString(),
        recipient: granteeWallet.address,
        grantId,
        publicKey: granteeKey.publicKey,
        wrapped: wrapKey(documentKey, granteeKey.publicKey, granteeContext),
        createdAt: 1_700_000_100,
      });

      // The grantee finds the share by grant, unwraps, fetches and decrypts.
      const [share] = await shares.byGrant(grantId);
      expect(share.recipient).to.equal(granteeWallet.address);
      const granteeDocumentKey = unwrapKey(share.wrapped, granteeKey.privateKey, granteeContext);
      const fetched = await store.get(cidFromUri(uri));
      expect(fromUtf8(decryptDocument(fetched, granteeDocumentKey))).to.equal("MRI: no abnormality detected");

      // A third party holding the share cannot open it, under either context.
      const strangerContext = shareContext(chainId, RECORDS, recordId, strangerWallet.address);
      for (const context of [granteeContext, strangerContext]) {
        expect(await failure(() => unwrapKey(share.wrapped, strangerKey.privateKey, context))).to.be.instanceOf(
          DecryptionError,
        );
      }
      expect(await failure(() => decryptDocument(fetched, strangerKey.privateKey))).to.be.instanceOf(DecryptionError);
    });
  });
});

/** The CIDv1 of a dag-pb block (codec 0x70, SHA-256), built byte by byte. */
function dagPbCid(block: Uint8Array): string {
  const digest = createHash("sha256").update(block).digest();
  return CID.decode(Uint8Array.from([0x01, 0x70, 0x12, 0x20, ...digest])).toString();
}

/** The block files of an embedded node's folder (`<dir>/ipfs/blocks/…/*.data`). */
function blockFiles(dir: string): string[] {
  const root = path.join(dir, "ipfs", "blocks");
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((name) => name.endsWith(".data"))
    .map((name) => path.join(root, name));
}

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  field?: string;
}

/**
 * A fake Kubo RPC API in memory: `block/put` (multipart field "file", `cid-codec=raw`), `block/get` and
 * `block/stat`, with Kubo's error shape. `swap` serves other bytes, `lie` answers another CID, `broken` fails.
 */
class FakeKubo {
  readonly blocks = new Map<string, Uint8Array>();
  requests: Seen[] = [];
  swap = false;
  lie = false;
  broken = false;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeKubo> {
    let fake: FakeKubo | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => fake!.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake = new FakeKubo(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  reset(): void {
    this.blocks.clear();
    this.requests = [];
    this.swap = this.lie = this.broken = false;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://kubo");
    const seen: Seen = { method: req.method ?? "", path: url.pathname, query: url.searchParams };
    this.requests.push(seen);
    const fail = (status: number, message: string) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ Message: message, Code: 0, Type: "error" }));
    };
    if (req.method !== "POST") return fail(405, "405 - Method Not Allowed");
    if (this.broken) return fail(500, "datastore: disk full");
    const arg = url.searchParams.get("arg") ?? "";
    switch (url.pathname) {
      case "/api/v0/block/put": {
        const part = FakeKubo.multipartFile(req.headers["content-type"] ?? "", body);
        if (!part) return fail(400, "file argument 'data' is required");
        seen.field = part.field;
        const codec = url.searchParams.get("cid-codec");
        if (codec !== "raw" && codec !== "dag-pb") return fail(400, "expected cid-codec=raw or dag-pb");
        if (part.data.length > 1 << 20 && url.searchParams.get("allow-big-block") !== "true") {
          return fail(500, "produced block is over 1MiB: big blocks can't be exchanged with other peers");
        }
        const data = new Uint8Array(part.data);
        const cid = codec === "raw" ? cidV1(data) : dagPbCid(data);
        this.blocks.set(cid, data);
        res.writeHead(200, { "Content-Type": "application/json" });
        return void res.end(JSON.stringify({ Key: this.lie ? EMPTY_CID : cid, Size: data.length }));
      }
      case "/api/v0/block/get": {
        const data = this.blocks.get(arg);
        if (!data) return fail(500, `block was not found locally (offline): ipld: could not find ${arg}`);
        res.writeHead(200, { "Content-Type": "text/plain" });
        return void res.end(this.swap ? Buffer.from("other bytes") : Buffer.from(data));
      }
      case "/api/v0/block/stat": {
        const data = this.blocks.get(arg);
        if (!data) return fail(500, `block was not found locally (offline): ipld: could not find ${arg}`);
        res.writeHead(200, { "Content-Type": "application/json" });
        return void res.end(JSON.stringify({ Key: arg, Size: data.length }));
      }
      default:
        return fail(404, "404 page not found");
    }
  }

  /** The first part of a multipart/form-data body: its field name and its bytes. */
  private static multipartFile(contentType: string, body: Buffer): { field: string; data: Buffer } | undefined {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    if (!boundary) return undefined;
    const delimiter = `--${boundary[1] ?? boundary[2]}`;
    const start = body.indexOf(delimiter);
    const headersEnd = body.indexOf("\r\n\r\n", start);
    const end = body.indexOf(`\r\n${delimiter}`, headersEnd);
    if (start < 0 || headersEnd < 0 || end < 0) return undefined;
    const headers = body.subarray(start + delimiter.length, headersEnd).toString("utf8");
    const field = /name="([^"]*)"/.exec(headers)?.[1] ?? "";
    return { field, data: body.subarray(headersEnd + 4, end) };
  }
}
