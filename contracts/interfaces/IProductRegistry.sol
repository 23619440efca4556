// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "./IParticipantRegistry.sol";

/**
 * @title IProductRegistry
 * @notice Which manufacturer owns a product code, and what the product is: GS1 company prefixes bound to
 * manufacturers by the registrar, products (GTIN-14) registered by the holder of their prefix with their master data,
 * and electronic leaflets (ePI) per language with every version kept. Everything here is public product
 * information, nothing personal.
 * @dev Binding a GTIN to its maker is what makes a batch's origin provable: the supply chain lets only a GTIN's
 * owner register batches of it. GS1 licenses a company prefix to one company and every GTIN it allocates starts
 * with that prefix, so the registrar (who already vets institutions) records the licence, not each product. An
 * assignment takes effect after the directory's onboarding delay, during which the guardian role can cancel it,
 * so that the registrar's key alone cannot hand a manufacturer's products to someone else at once. Nested
 * prefixes are refused, so no GTIN falls under two holders.
 */
interface IProductRegistry {
    /**
     * @notice A company prefix's licence as recorded.
     * @param manufacturerId The manufacturer it is licensed to (0 if none).
     * @param effectiveAt From when it may register products under it.
     * @param revoked Whether governance revoked it: no new product under it (registered ones stay).
     * @param products Products registered under it: a licence with none is freed, not kept, when revoked.
     */
    struct Prefix {
        uint32 manufacturerId;
        uint40 effectiveAt;
        bool revoked;
        uint32 products;
    }

    /**
     * @notice A product's master data, public (as printed on the pack and in the marketing authorisation).
     * @param name Trade name.
     * @param strength Strength, e.g. "500 mg".
     * @param form Pharmaceutical form, e.g. "film-coated tablet".
     * @param marketingAuthorisationHolder The company holding the marketing authorisation.
     */
    struct ProductData {
        string name;
        string strength;
        string form;
        string marketingAuthorisationHolder;
    }

    /**
     * @notice A product as stored.
     * @param manufacturerId Its owner: the only one that registers batches of it.
     * @param registeredAt When it was registered.
     * @param updatedAt When its master data last changed.
     * @param data Its master data.
     */
    struct Product {
        uint32 manufacturerId;
        uint40 registeredAt;
        uint40 updatedAt;
        ProductData data;
    }

    /**
     * @notice One version of an electronic leaflet.
     * @param digest keccak256 of the leaflet document.
     * @param publishedAt When it was published.
     * @param uri Where the document lives.
     */
    struct Leaflet {
        bytes32 digest;
        uint40 publishedAt;
        string uri;
    }

    /// @notice The master data field a refusal is about.
    enum Field {
        Name,
        Strength,
        Form,
        MarketingAuthorisationHolder
    }

    /**
     * @notice A company prefix outside GS1's 6 to 12 digits, a value longer than its digits, all zeros, or in a
     * restricted-circulation range (starting 2, 02 or 04: numbers for in-store use, never unique to one company).
     * @param prefix The prefix's value.
     * @param digits Its length in digits (leading zeros count).
     */
    error ProductsInvalidPrefix(uint64 prefix, uint8 digits);

    /// @notice The prefix is already licensed (pending or effective) to a manufacturer.
    /// @param prefix The prefix.
    /// @param digits Its length.
    /// @param manufacturerId Its holder.
    error ProductsPrefixTaken(uint64 prefix, uint8 digits, uint32 manufacturerId);

    /// @notice The prefix contains, or lies within, a prefix already licensed: a GTIN would fall under two holders.
    /// @param prefix The prefix.
    /// @param digits Its length.
    error ProductsPrefixOverlaps(uint64 prefix, uint8 digits);

    /// @notice No licence of this prefix is recorded (or it was cancelled).
    /// @param prefix The prefix.
    /// @param digits Its length.
    error ProductsUnknownPrefix(uint64 prefix, uint8 digits);

    /// @notice The licence already took effect: it is revoked by governance, not cancelled.
    /// @param prefix The prefix.
    /// @param digits Its length.
    /// @param effectiveAt When it took effect.
    error ProductsPrefixNotPending(uint64 prefix, uint8 digits, uint40 effectiveAt);

    /// @notice The licence is still pending, or was revoked: no product can be registered under it.
    /// @param prefix The prefix.
    /// @param digits Its length.
    /// @param effectiveAt When it takes effect (in the past for a revoked licence).
    error ProductsPrefixNotEffective(uint64 prefix, uint8 digits, uint40 effectiveAt);

    /// @notice The institution named is not a manufacturer.
    /// @param manufacturerId The id.
    error ProductsNotManufacturer(uint32 manufacturerId);

    /// @notice The manufacturer named is retired or its onboarding was cancelled: it could never use a licence.
    /// @param manufacturerId The id.
    /// @param status Its status in the directory.
    error ProductsManufacturerClosed(uint32 manufacturerId, IParticipantRegistry.Status status);

    /// @notice The caller is not the manufacturer the prefix is licensed to.
    /// @param prefix The prefix.
    /// @param digits Its length.
    /// @param caller The caller's institution id.
    error ProductsNotPrefixHolder(uint64 prefix, uint8 digits, uint32 caller);

    /// @notice Not a GTIN-14: zero, more than 14 digits, or a wrong check digit.
    /// @param gtin The number given.
    error ProductsInvalidGtin(uint64 gtin);

    /// @notice The GTIN is registered already.
    /// @param gtin The GTIN.
    /// @param manufacturerId Its owner.
    error ProductsAlreadyRegistered(uint64 gtin, uint32 manufacturerId);

    /// @notice No product has this GTIN.
    /// @param gtin The GTIN.
    error ProductsUnknownProduct(uint64 gtin);

    /// @notice The caller does not own the product.
    /// @param gtin The GTIN.
    /// @param caller The caller's institution id.
    error ProductsNotProductOwner(uint64 gtin, uint32 caller);

    /// @notice A required master data field is empty, or a field is longer than {MAX_FIELD_LENGTH}.
    /// @param field The field.
    error ProductsInvalidField(Field field);

    /// @notice A language code that is not two lower-case ASCII letters (ISO 639-1).
    /// @param language The code.
    error ProductsInvalidLanguage(bytes2 language);

    /// @notice A leaflet without its digest or its URI, or with a URI longer than {MAX_FIELD_LENGTH}.
    error ProductsInvalidLeaflet();

    /// @notice No such leaflet version.
    /// @param gtin The product.
    /// @param language The language.
    /// @param version The version asked for (versions run from 1).
    error ProductsUnknownLeaflet(uint64 gtin, bytes2 language, uint256 version);

    /**
     * @notice The registrar licensed a company prefix to a manufacturer, effective after the onboarding delay.
     * @param prefix The prefix.
     * @param digits Its length.
     * @param manufacturerId The manufacturer.
     * @param effectiveAt When it takes effect.
     */
    event PrefixAssigned(uint64 indexed prefix, uint8 digits, uint32 indexed manufacturerId, uint40 effectiveAt);

    /**
     * @notice A pending licence was cancelled before it took effect; the prefix is free again.
     * @param prefix The prefix.
     * @param digits Its length.
     * @param manufacturerId The manufacturer it was to go to.
     * @param reasonCode Why.
     */
    event PrefixCancelled(uint64 indexed prefix, uint8 digits, uint32 indexed manufacturerId, bytes32 reasonCode);

    /**
     * @notice Governance revoked an effective licence: no new product under it; registered ones keep their owner.
     * A licence no product was registered under is freed (the prefix can be licensed again); one with products is
     * kept, revoked, so that its GTINs stay their owner's alone.
     * @param prefix The prefix.
     * @param digits Its length.
     * @param manufacturerId Its holder.
     * @param reasonCode Why.
     * @param freed Whether the prefix is free again.
     */
    event PrefixRevoked(
        uint64 indexed prefix,
        uint8 digits,
        uint32 indexed manufacturerId,
        bytes32 reasonCode,
        bool freed
    );

    /**
     * @notice A product was registered, or its master data changed.
     * @param gtin The GTIN.
     * @param manufacturerId Its owner.
     * @param name Trade name.
     * @param strength Strength.
     * @param form Pharmaceutical form.
     * @param marketingAuthorisationHolder Marketing authorisation holder.
     * @param firstRegistration Whether it is new (false for an update).
     */
    event ProductRegistered(
        uint64 indexed gtin,
        uint32 indexed manufacturerId,
        string name,
        string strength,
        string form,
        string marketingAuthorisationHolder,
        bool firstRegistration
    );

    /**
     * @notice A leaflet version was published; it is the product's current one in that language.
     * @param gtin The product.
     * @param language ISO 639-1 code.
     * @param version Its version, from 1.
     * @param digest keccak256 of the document.
     * @param uri Where it lives.
     */
    event LeafletPublished(uint64 indexed gtin, bytes2 indexed language, uint256 version, bytes32 digest, string uri);

    /// @notice The longest master data field or leaflet URI accepted, in bytes.
    // solhint-disable-next-line func-name-mixedcase
    function MAX_FIELD_LENGTH() external view returns (uint256);

    /// @notice The licence of a company prefix (zeros if none).
    /// @param prefix The prefix's value.
    /// @param digits Its length in digits.
    function prefixOf(uint64 prefix, uint8 digits) external view returns (Prefix memory);

    /// @notice The manufacturer that owns a GTIN (0 if it is not registered).
    /// @param gtin The GTIN-14.
    function ownerOf(uint64 gtin) external view returns (uint32);

    /// @notice A product with its master data.
    /// @dev Reverts with {ProductsUnknownProduct}.
    /// @param gtin The GTIN-14.
    function getProduct(uint64 gtin) external view returns (Product memory);

    /// @notice Number of leaflet versions of a product in a language (0 if none).
    /// @param gtin The product.
    /// @param language ISO 639-1 code.
    function leafletVersions(uint64 gtin, bytes2 language) external view returns (uint256);

    /// @notice One version of a product's leaflet in a language.
    /// @dev Reverts with {ProductsUnknownLeaflet}.
    /// @param gtin The product.
    /// @param language ISO 639-1 code.
    /// @param version From 1 to {leafletVersions}.
    function leaflet(uint64 gtin, bytes2 language, uint256 version) external view returns (Leaflet memory);

    /**
     * @notice The current leaflet of a product in a language, or in its first published language when it has
     * none in that one (what a patient's phone shows).
     * @dev Reverts with {ProductsUnknownProduct}, or {ProductsUnknownLeaflet} (version 0) when the product has no
     * leaflet at all.
     * @param gtin The product.
     * @param language The language wanted.
     * @return shown The language of the leaflet returned.
     * @return version Its version.
     * @return current The leaflet.
     */
    function currentLeaflet(
        uint64 gtin,
        bytes2 language
    ) external view returns (bytes2 shown, uint256 version, Leaflet memory current);

    /// @notice Number of languages a product has leaflets in.
    /// @param gtin The product.
    function languageCount(uint64 gtin) external view returns (uint256);

    /// @notice A page of the languages a product has leaflets in, in the order first published.
    /// @param gtin The product.
    /// @param offset First index.
    /// @param limit Most items.
    function languages(uint64 gtin, uint256 offset, uint256 limit) external view returns (bytes2[] memory page);

    /**
     * @notice Licenses a GS1 company prefix to a manufacturer; it takes effect after the directory's onboarding
     * delay, and the guardian role can cancel it until then.
     * @dev Reverts with {ProductsInvalidPrefix}, {ProductsNotManufacturer}, {ProductsManufacturerClosed},
     * {ProductsPrefixTaken} or {ProductsPrefixOverlaps}. Emits {PrefixAssigned}.
     * @param prefix The prefix's value.
     * @param digits Its length, 6 to 12 (leading zeros count).
     * @param manufacturerId The manufacturer: pending, active or suspended (it acts only while active); not
     * retired nor cancelled.
     * @custom:restricted REGISTRAR
     */
    function assignPrefix(uint64 prefix, uint8 digits, uint32 manufacturerId) external;

    /**
     * @notice Cancels a licence before it takes effect; the prefix is free again.
     * @dev Immediate, so that a cancellation always lands within the delay. Reverts with {ProductsUnknownPrefix}
     * or {ProductsPrefixNotPending}. Emits {PrefixCancelled}.
     * @param prefix The prefix.
     * @param digits Its length.
     * @param reasonCode Why.
     * @custom:restricted GUARDIAN
     */
    function cancelPrefix(uint64 prefix, uint8 digits, bytes32 reasonCode) external;

    /**
     * @notice Revokes an effective licence (lapsed, transferred by GS1, or licensed by mistake): no new product
     * under it. Its products keep their owner. A licence with no product is freed, so that the prefix can be
     * licensed to its rightful holder; one with products stays recorded, so that its GTINs cannot fall under a
     * second holder.
     * @dev Reverts with {ProductsUnknownPrefix} or {ProductsPrefixNotEffective}. Emits {PrefixRevoked}.
     * @param prefix The prefix.
     * @param digits Its length.
     * @param reasonCode Why.
     * @custom:restricted GOVERNOR
     */
    function revokePrefix(uint64 prefix, uint8 digits, bytes32 reasonCode) external;

    /**
     * @notice The active manufacturer holding the GTIN's company prefix registers the product with its master data.
     * @dev Reverts with the directory's errors for a caller that is not an active manufacturer, or
     * {ProductsInvalidGtin}, {ProductsInvalidPrefix}, {ProductsUnknownPrefix}, {ProductsNotPrefixHolder},
     * {ProductsPrefixNotEffective}, {ProductsAlreadyRegistered} or {ProductsInvalidField}. Emits
     * {ProductRegistered}.
     * @param gtin The GTIN-14, as a number (check digit included).
     * @param prefixDigits The length of the company prefix inside it (its digits 2 to 1 + prefixDigits).
     * @param data Its master data: name and form required.
     */
    function registerProduct(uint64 gtin, uint8 prefixDigits, ProductData calldata data) external;

    /**
     * @notice The product's owner, active, corrects its master data.
     * @dev Reverts with {ProductsUnknownProduct}, {ProductsNotProductOwner} or {ProductsInvalidField}. Emits
     * {ProductRegistered} (not first).
     * @param gtin The product.
     * @param data The new master data.
     */
    function updateProduct(uint64 gtin, ProductData calldata data) external;

    /**
     * @notice The product's owner, active, publishes a new version of its leaflet in a language; earlier
     * versions stay readable.
     * @dev Reverts with {ProductsUnknownProduct}, {ProductsNotProductOwner}, {ProductsInvalidLanguage} or
     * {ProductsInvalidLeaflet}. Emits {LeafletPublished}.
     * @param gtin The product.
     * @param language ISO 639-1 code, two lower-case letters ("en", "ko").
     * @param digest keccak256 of the document.
     * @param uri Where it lives.
     * @return version Its version.
     */
    function publishLeaflet(
        uint64 gtin,
        bytes2 language,
        bytes32 digest,
        string calldata uri
    ) external returns (uint256 version);
}
