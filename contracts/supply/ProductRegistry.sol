// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SuiteService} from "../base/SuiteService.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProductRegistry} from "../interfaces/IProductRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {Kinds} from "../libraries/Kinds.sol";
import {Paging} from "../libraries/Paging.sol";

/**
 * @title ProductRegistry
 * @notice Company prefixes, products and their leaflets. See {IProductRegistry}.
 * @dev Upgradeable (UUPS) behind an ERC-1967 proxy, state in one ERC-7201 namespace. A prefix is keyed by its
 * length and value together, so that "0614141" (7 digits) and "614141" (6 digits) are different prefixes, as
 * in GS1. Nesting is checked both ways with at most six lookups: a new prefix's shorter ancestors must be
 * free, and each licensed prefix counts the longer ones licensed under it.
 */
contract ProductRegistry is SuiteService, IProductRegistry {
    struct ProductStored {
        uint32 manufacturerId;
        uint40 registeredAt;
        uint40 updatedAt;
        ProductData data;
    }

    /// @custom:storage-location erc7201:miip.storage.ProductRegistry
    struct ProductStorage {
        mapping(uint256 prefixKey => Prefix) prefixes;
        mapping(uint256 prefixKey => uint256 count) nested;
        mapping(uint64 gtin => ProductStored) products;
        mapping(uint64 gtin => bytes2[]) languages;
        mapping(uint256 leafletKey => uint256 count) versions;
        mapping(uint256 leafletKey => mapping(uint256 version => Leaflet)) leaflets;
    }

    // keccak256(abi.encode(uint256(keccak256("miip.storage.ProductRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x522d11f9df1cd706ecc0eaae9f1910bf6610ae1025b73fe9797934c5c59c2e00;

    uint8 private constant MIN_PREFIX_DIGITS = 6;
    uint8 private constant MAX_PREFIX_DIGITS = 12;
    uint64 private constant GTIN_LIMIT = 1e14;

    /// @inheritdoc IProductRegistry
    uint256 public constant MAX_FIELD_LENGTH = 256;

    /// @param participants_ The participant directory (its proxy).
    /// @param records_ The record registry (its proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(IParticipantRegistry participants_, IRecordRegistry records_) SuiteService(participants_, records_) {}

    /**
     * @notice Sets the access manager; once, through the proxy.
     * @param initialAuthority The suite's access manager.
     */
    function initialize(address initialAuthority) external initializer {
        __AccessManaged_init(initialAuthority);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IProductRegistry
    function prefixOf(uint64 prefix, uint8 digits) external view returns (Prefix memory) {
        return _storage().prefixes[_prefixKey(prefix, digits)];
    }

    /// @inheritdoc IProductRegistry
    function ownerOf(uint64 gtin) external view returns (uint32) {
        return _storage().products[gtin].manufacturerId;
    }

    /// @inheritdoc IProductRegistry
    function getProduct(uint64 gtin) external view returns (Product memory) {
        ProductStored storage p = _product(gtin);
        return Product(p.manufacturerId, p.registeredAt, p.updatedAt, p.data);
    }

    /// @inheritdoc IProductRegistry
    function leafletVersions(uint64 gtin, bytes2 language) external view returns (uint256) {
        return _storage().versions[_leafletKey(gtin, language)];
    }

    /// @inheritdoc IProductRegistry
    function leaflet(uint64 gtin, bytes2 language, uint256 version) external view returns (Leaflet memory) {
        ProductStorage storage $ = _storage();
        uint256 key = _leafletKey(gtin, language);
        if (version == 0 || version > $.versions[key]) revert ProductsUnknownLeaflet(gtin, language, version);
        return $.leaflets[key][version];
    }

    /// @inheritdoc IProductRegistry
    function currentLeaflet(
        uint64 gtin,
        bytes2 language
    ) external view returns (bytes2 shown, uint256 version, Leaflet memory current) {
        _product(gtin);
        ProductStorage storage $ = _storage();
        shown = language;
        version = $.versions[_leafletKey(gtin, language)];
        if (version == 0) {
            bytes2[] storage published = $.languages[gtin];
            if (published.length == 0) revert ProductsUnknownLeaflet(gtin, language, 0);
            shown = published[0];
            version = $.versions[_leafletKey(gtin, shown)];
        }
        current = $.leaflets[_leafletKey(gtin, shown)][version];
    }

    /// @inheritdoc IProductRegistry
    function languageCount(uint64 gtin) external view returns (uint256) {
        return _storage().languages[gtin].length;
    }

    /// @inheritdoc IProductRegistry
    function languages(uint64 gtin, uint256 offset, uint256 limit) external view returns (bytes2[] memory page) {
        bytes2[] storage all = _storage().languages[gtin];
        uint256 end = Paging.end(all.length, offset, limit);
        page = new bytes2[](end - offset);
        for (uint256 i = offset; i < end; ++i) page[i - offset] = all[i];
    }

    // --------------------------------------------------------------- prefixes

    /// @inheritdoc IProductRegistry
    /// @custom:restricted REGISTRAR
    function assignPrefix(uint64 prefix, uint8 digits, uint32 manufacturerId) external restricted {
        _checkPrefix(prefix, digits);
        _checkPrefixRange(prefix, digits);
        IParticipantRegistry.Institution memory holder_ = _participants.institution(manufacturerId);
        if (holder_.kind != IParticipantRegistry.Kind.Manufacturer) revert ProductsNotManufacturer(manufacturerId);
        // A licence to an institution that can never act again could only be revoked, never used.
        if (
            holder_.status == IParticipantRegistry.Status.Retired ||
            holder_.status == IParticipantRegistry.Status.Cancelled
        ) {
            revert ProductsManufacturerClosed(manufacturerId, holder_.status);
        }
        ProductStorage storage $ = _storage();
        uint256 key = _prefixKey(prefix, digits);
        uint32 holder = $.prefixes[key].manufacturerId;
        if (holder != 0) revert ProductsPrefixTaken(prefix, digits, holder);
        if ($.nested[key] != 0) revert ProductsPrefixOverlaps(prefix, digits);
        for (uint8 shorter = MIN_PREFIX_DIGITS; shorter < digits; ++shorter) {
            uint256 ancestor = _prefixKey(uint64(prefix / 10 ** (digits - shorter)), shorter);
            if ($.prefixes[ancestor].manufacturerId != 0) revert ProductsPrefixOverlaps(prefix, digits);
            ++$.nested[ancestor];
        }
        uint40 effectiveAt = uint40(block.timestamp) + _participants.onboardingDelay();
        $.prefixes[key] = Prefix(manufacturerId, effectiveAt, false, 0);
        emit PrefixAssigned(prefix, digits, manufacturerId, effectiveAt);
    }

    /// @inheritdoc IProductRegistry
    /// @custom:restricted GUARDIAN
    function cancelPrefix(uint64 prefix, uint8 digits, bytes32 reasonCode) external restricted {
        ProductStorage storage $ = _storage();
        uint256 key = _prefixKey(prefix, digits);
        Prefix memory p = $.prefixes[key];
        if (p.manufacturerId == 0) revert ProductsUnknownPrefix(prefix, digits);
        if (block.timestamp >= p.effectiveAt) revert ProductsPrefixNotPending(prefix, digits, p.effectiveAt);
        _free($, key, prefix, digits);
        emit PrefixCancelled(prefix, digits, p.manufacturerId, reasonCode);
    }

    /// @inheritdoc IProductRegistry
    /// @custom:restricted GOVERNOR
    function revokePrefix(uint64 prefix, uint8 digits, bytes32 reasonCode) external restricted {
        ProductStorage storage $ = _storage();
        uint256 key = _prefixKey(prefix, digits);
        Prefix storage p = $.prefixes[key];
        uint32 holder = p.manufacturerId;
        if (holder == 0) revert ProductsUnknownPrefix(prefix, digits);
        if (block.timestamp < p.effectiveAt || p.revoked) {
            revert ProductsPrefixNotEffective(prefix, digits, p.effectiveAt);
        }
        // With no product under it, nothing binds the prefix to this holder: free it for its rightful one.
        bool freed = p.products == 0;
        if (freed) _free($, key, prefix, digits);
        else p.revoked = true;
        emit PrefixRevoked(prefix, digits, holder, reasonCode, freed);
    }

    // --------------------------------------------------------------- products

    /// @inheritdoc IProductRegistry
    function registerProduct(uint64 gtin, uint8 prefixDigits, ProductData calldata data) external {
        (uint32 caller, ) = _participants.activeInstitution(msg.sender, Kinds.MANUFACTURER);
        _checkGtin(gtin);
        _checkPrefix(0, prefixDigits);
        uint64 prefix = uint64((gtin / 10 ** (13 - prefixDigits)) % 10 ** prefixDigits);
        ProductStorage storage $ = _storage();
        Prefix storage p = $.prefixes[_prefixKey(prefix, prefixDigits)];
        uint32 holder = p.manufacturerId;
        if (holder == 0) revert ProductsUnknownPrefix(prefix, prefixDigits);
        if (holder != caller) revert ProductsNotPrefixHolder(prefix, prefixDigits, caller);
        if (block.timestamp < p.effectiveAt || p.revoked) {
            revert ProductsPrefixNotEffective(prefix, prefixDigits, p.effectiveAt);
        }
        ++p.products;
        ProductStored storage product = $.products[gtin];
        uint32 owner = product.manufacturerId;
        if (owner != 0) revert ProductsAlreadyRegistered(gtin, owner);
        _checkData(data);
        product.manufacturerId = caller;
        product.registeredAt = uint40(block.timestamp);
        product.updatedAt = uint40(block.timestamp);
        product.data = data;
        _announce(gtin, caller, data, true);
    }

    /// @inheritdoc IProductRegistry
    function updateProduct(uint64 gtin, ProductData calldata data) external {
        (ProductStored storage product, uint32 caller) = _ownProduct(gtin);
        _checkData(data);
        product.updatedAt = uint40(block.timestamp);
        product.data = data;
        _announce(gtin, caller, data, false);
    }

    /// @inheritdoc IProductRegistry
    function publishLeaflet(
        uint64 gtin,
        bytes2 language,
        bytes32 digest,
        string calldata uri
    ) external returns (uint256 version) {
        _ownProduct(gtin);
        if (!_isLanguage(language)) revert ProductsInvalidLanguage(language);
        uint256 length = bytes(uri).length;
        if (digest == bytes32(0) || length == 0 || length > MAX_FIELD_LENGTH) revert ProductsInvalidLeaflet();
        ProductStorage storage $ = _storage();
        uint256 key = _leafletKey(gtin, language);
        version = ++$.versions[key];
        if (version == 1) $.languages[gtin].push(language);
        $.leaflets[key][version] = Leaflet(digest, uint40(block.timestamp), uri);
        emit LeafletPublished(gtin, language, version, digest, uri);
    }

    // --------------------------------------------------------------- internals

    function _announce(uint64 gtin, uint32 manufacturerId, ProductData calldata data, bool first) private {
        emit ProductRegistered(
            gtin,
            manufacturerId,
            data.name,
            data.strength,
            data.form,
            data.marketingAuthorisationHolder,
            first
        );
    }

    /// @dev The product, if the caller is its owner and an active manufacturer.
    function _ownProduct(uint64 gtin) private view returns (ProductStored storage product, uint32 caller) {
        (caller, ) = _participants.activeInstitution(msg.sender, Kinds.MANUFACTURER);
        product = _product(gtin);
        if (product.manufacturerId != caller) revert ProductsNotProductOwner(gtin, caller);
    }

    function _product(uint64 gtin) private view returns (ProductStored storage product) {
        product = _storage().products[gtin];
        if (product.manufacturerId == 0) revert ProductsUnknownProduct(gtin);
    }

    /// @dev Name and form are what a pharmacist and a patient recognise a product by; strength and holder may be
    /// empty (a device, a kit). Every field is bounded, so that no product costs its readers unbounded gas.
    function _checkData(ProductData calldata data) private pure {
        if (bytes(data.name).length == 0 || bytes(data.name).length > MAX_FIELD_LENGTH) {
            revert ProductsInvalidField(Field.Name);
        }
        if (bytes(data.strength).length > MAX_FIELD_LENGTH) revert ProductsInvalidField(Field.Strength);
        if (bytes(data.form).length == 0 || bytes(data.form).length > MAX_FIELD_LENGTH) {
            revert ProductsInvalidField(Field.Form);
        }
        if (bytes(data.marketingAuthorisationHolder).length > MAX_FIELD_LENGTH) {
            revert ProductsInvalidField(Field.MarketingAuthorisationHolder);
        }
    }

    /// @dev Deletes a licence and uncounts it from the shorter prefixes around it (counted at assignment: only a
    /// valid prefix is ever recorded).
    function _free(ProductStorage storage $, uint256 key, uint64 prefix, uint8 digits) private {
        delete $.prefixes[key];
        for (uint8 shorter = MIN_PREFIX_DIGITS; shorter < digits; ++shorter) {
            --$.nested[_prefixKey(uint64(prefix / 10 ** (digits - shorter)), shorter)];
        }
    }

    /// @dev No company holds all zeros, and restricted-circulation numbers (2, 02, 04) are for in-store use.
    function _checkPrefixRange(uint64 prefix, uint8 digits) private pure {
        uint256 first = prefix / 10 ** (digits - 1);
        uint256 firstTwo = prefix / 10 ** (digits - 2);
        if (prefix == 0 || first == 2 || firstTwo == 2 || firstTwo == 4) revert ProductsInvalidPrefix(prefix, digits);
    }

    /// @dev GS1 company prefixes have 6 to 12 digits; the value must fit in them.
    function _checkPrefix(uint64 prefix, uint8 digits) private pure {
        if (digits < MIN_PREFIX_DIGITS || digits > MAX_PREFIX_DIGITS || prefix >= 10 ** digits) {
            revert ProductsInvalidPrefix(prefix, digits);
        }
    }

    /// @dev Fourteen digits at most, not all zeros (the "none" of every view), the last one GS1's check digit:
    /// weights 3 and 1 alternate from the right.
    function _checkGtin(uint64 gtin) private pure {
        if (gtin == 0 || gtin >= GTIN_LIMIT) revert ProductsInvalidGtin(gtin);
        uint256 rest = gtin / 10;
        uint256 sum;
        for (uint256 i = 0; i < 13; ++i) {
            sum += (rest % 10) * (i % 2 == 0 ? 3 : 1);
            rest /= 10;
        }
        if ((10 - (sum % 10)) % 10 != gtin % 10) revert ProductsInvalidGtin(gtin);
    }

    function _isLanguage(bytes2 language) private pure returns (bool) {
        bytes1 a = language[0];
        bytes1 b = language[1];
        return a >= "a" && a <= "z" && b >= "a" && b <= "z";
    }

    function _prefixKey(uint64 prefix, uint8 digits) private pure returns (uint256) {
        return (uint256(digits) << 64) | prefix;
    }

    function _leafletKey(uint64 gtin, bytes2 language) private pure returns (uint256) {
        return (uint256(uint16(language)) << 64) | gtin;
    }

    // The ERC-7201 namespace: the one place where a storage pointer is set by hand.
    function _storage() private pure returns (ProductStorage storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
