import { describe, expect, it } from 'vitest';
import { getOperation } from '@loam/contracts';
import type { JsonSchema } from '../schema/fields.js';
import { groupFields, leaves } from '../pages/jobs/nested-fields.js';
import { defaultExecutionRole, recentRoles, rememberRoles, roleChoices, withProposedRole } from './execution-role.js';

const leavesOf = (operation: string, counts: Record<string, number> = {}) => leaves(groupFields(getOperation(operation)!.input as JsonSchema, counts));

/** A Storage of one browser profile, in memory. */
function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v) };
}

describe('execution role proposed by the create forms', () => {
  const alice = { arn: 'arn:loam:iam::123456789012:user/alice', accountId: '123456789012' };

  it('is LoamExecution in the signed-in user’s partition and account, not a hard-coded 000000000000', () => {
    expect(defaultExecutionRole(alice)).toBe('arn:loam:iam::123456789012:role/LoamExecution');
    expect(defaultExecutionRole({ arn: 'arn:loam:iam::210987654321:user/bob' })).toBe('arn:loam:iam::210987654321:role/LoamExecution');
    expect(defaultExecutionRole({})).toBe('arn:loam:iam::000000000000:role/LoamExecution');
    // It is a RoleArn the API accepts.
    const pattern = new RegExp((getOperation('CreateTrainingJob')!.input as JsonSchema).properties!.RoleArn!.pattern!);
    expect(pattern.test(defaultExecutionRole(alice))).toBe(true);
  });

  it('fills the role each create form needs, leaves a role the page or a clone set, and proposes none where SageMaker asks for none', () => {
    const role = defaultExecutionRole(alice);
    expect(withProposedRole('CreateTrainingJob', leavesOf('CreateTrainingJob', { InputDataConfig: 1 }), {}, role)).toEqual({ RoleArn: role });
    expect(withProposedRole('CreateProcessingJob', leavesOf('CreateProcessingJob'), {}, role)).toEqual({ RoleArn: role });
    expect(withProposedRole('CreateHyperParameterTuningJob', leavesOf('CreateHyperParameterTuningJob', { 'TrainingJobDefinition.InputDataConfig': 1 }), {}, role)).toEqual({ 'TrainingJobDefinition.RoleArn': role });
    expect(withProposedRole('CreateModel', leavesOf('CreateModel'), {}, role)).toEqual({ ExecutionRoleArn: role });
    // A clone keeps the role of the job it copies.
    const cloned = { RoleArn: 'arn:aws:iam::111122223333:role/Team' };
    expect(withProposedRole('CreateTrainingJob', leavesOf('CreateTrainingJob', { InputDataConfig: 1 }), cloned, role)).toEqual(cloned);
    // An endpoint config's ExecutionRoleArn is for special cases SageMaker's console does not ask about.
    expect(withProposedRole('CreateEndpointConfig', leavesOf('CreateEndpointConfig', { ProductionVariants: 1 }), {}, role)).toEqual({});
    expect(withProposedRole('CreateTransformJob', leavesOf('CreateTransformJob'), {}, role)).toEqual({});
  });

  it('proposes the role this user last submitted, and always lists the account’s default', () => {
    const store = memoryStorage();
    expect(roleChoices(alice, recentRoles(alice, store))).toEqual({ proposed: 'arn:loam:iam::123456789012:role/LoamExecution', choices: ['arn:loam:iam::123456789012:role/LoamExecution'] });
    rememberRoles(alice, ['arn:loam:iam::123456789012:role/Team '], store);
    rememberRoles(alice, ['', 'arn:loam:iam::123456789012:role/LoamExecution'], store);
    rememberRoles(alice, ['arn:loam:iam::123456789012:role/Team'], store);
    expect(roleChoices(alice, recentRoles(alice, store))).toEqual({
      proposed: 'arn:loam:iam::123456789012:role/Team',
      choices: ['arn:loam:iam::123456789012:role/Team', 'arn:loam:iam::123456789012:role/LoamExecution'],
    });
    // Another user of the same browser is not offered alice's roles.
    expect(recentRoles({ arn: 'arn:loam:iam::123456789012:user/bob' }, store)).toEqual([]);
    for (let i = 0; i < 8; i++) rememberRoles(alice, [`arn:loam:iam::123456789012:role/R${i}`], store);
    expect(recentRoles(alice, store)).toHaveLength(5);
    expect(recentRoles(alice, { getItem: () => '{not json' })).toEqual([]);
  });
});
