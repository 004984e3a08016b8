import { checkApproval } from './check-approval';
import { checkApprovalExpiry } from './check-approval-expiry';
import { checkDigest } from './check-digest';
import { checkImageAge } from './check-image-age';
import { checkRegistry } from './check-registry';
import { checkRevocation } from './check-revocation';
import { checkScanAge } from './check-scan-age';
import { checkScanPresent } from './check-scan-present';
import { checkSignature } from './check-signature';
import { checkTagResolution } from './check-tag-resolution';
import { checkVersionFloor } from './check-version-floor';
import { checkVulnerabilities } from './check-vulnerabilities';
import type { ImageRule } from './image-context';

/** The checks of a parsed reference, in the order of SPEC §4; all run, so every failure is reported. */
export const IMAGE_RULES: readonly ImageRule[] = [
  checkRegistry,
  checkDigest,
  checkTagResolution,
  checkApproval,
  checkRevocation,
  checkApprovalExpiry,
  checkScanPresent,
  checkScanAge,
  checkVulnerabilities,
  checkImageAge,
  checkVersionFloor,
  checkSignature,
];
