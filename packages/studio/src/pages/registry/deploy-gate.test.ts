import { describe, expect, it } from 'vitest';
import { whyNotDeployable } from './deploy-gate.js';

describe('which registered versions Studio offers to deploy', () => {
  it('offers Approved versions only, as the server deploys them, and says why the others are not', () => {
    expect(whyNotDeployable('Approved', 'g', [])).toBeUndefined();
    expect(whyNotDeployable('PendingManualApproval', 'g', [])).toMatch(/^Only Approved versions of g can be deployed: approve this version first/);
    // A version without a status is pending, as the versions table shows it.
    expect(whyNotDeployable(undefined, 'g', undefined)).toMatch(/^Only Approved versions of g/);
    expect(whyNotDeployable('Rejected', 'g', [])).toMatch(/^A Rejected version cannot be deployed/);
  });

  it('offers pending versions of a group tagged loam:deployment-approval = not-required, never Rejected ones', () => {
    const loose = [{ Key: 'team', Value: 'x' }, { Key: 'loam:deployment-approval', Value: 'Not-Required' }];
    expect(whyNotDeployable('PendingManualApproval', 'g', loose)).toBeUndefined();
    expect(whyNotDeployable('Rejected', 'g', loose)).toMatch(/^A Rejected version cannot be deployed/);
    expect(whyNotDeployable('PendingManualApproval', 'g', [{ Key: 'loam:deployment-approval', Value: 'required' }])).toMatch(/^Only Approved/);
  });
});
