'use strict';
// Checks the stage parameters CloudFormation would only refuse halfway through a deploy (or, for a
// principal, accept as something else): each is named with what is wrong before anything is uploaded.
// Reads the values from the compiled template, where serverless.yml has put them, so `--param` and a
// stage's `params:` block are checked alike.

const LISTS = {
  scanSenderAccountIds: { condition: 'HasScanSenders', item: /^\d{12}$/, what: 'a 12-digit AWS account id' },
  vpcSubnetIds: { condition: 'InVpc', item: /^subnet-[0-9a-f]{8,17}$/, what: 'a subnet id (subnet-…)' },
};

/** The literal a `Fn::Not [Fn::Equals [value, '']]` condition compares, i.e. the parameter's value. */
function conditionValue(template, name) {
  const equals = template.Conditions?.[name]?.['Fn::Not']?.[0]?.['Fn::Equals'];
  return Array.isArray(equals) && typeof equals[0] === 'string' ? equals[0] : '';
}

function checkList(name, value, item, what) {
  for (const entry of value.split(',')) {
    if (!item.test(entry.trim()) || entry !== entry.trim()) {
      throw new Error(`stage parameter ${name}: ${JSON.stringify(entry)} is not ${what} (comma-separated, no spaces)`);
    }
  }
}

function checkTemplate(template) {
  for (const [name, { condition, item, what }] of Object.entries(LISTS)) {
    const value = conditionValue(template, condition);
    if (value !== '') checkList(name, value, item, what);
  }
  const vpc = template.Resources?.SweepLambdaFunction?.Properties?.VpcConfig?.['Fn::If']?.[1];
  const groups = vpc?.SecurityGroupIds?.['Fn::Split']?.[1] ?? '';
  const subnets = conditionValue(template, 'InVpc');
  if (subnets !== '' && groups === '') throw new Error('stage parameter vpcSecurityGroupIds: is required with vpcSubnetIds');
  if (subnets === '' && groups !== '') throw new Error('stage parameter vpcSubnetIds: is required with vpcSecurityGroupIds');
  if (groups !== '') checkList('vpcSecurityGroupIds', groups, /^sg-[0-9a-f]{8,17}$/, 'a security group id (sg-…)');
}

class CheckStageParameters {
  constructor(serverless) {
    this.hooks = {
      'after:package:finalize': () => {
        try {
          checkTemplate(serverless.service.provider.compiledCloudFormationTemplate);
        } catch (error) {
          throw new serverless.classes.Error(error.message);
        }
      },
    };
  }
}

module.exports = CheckStageParameters;
module.exports.checkTemplate = checkTemplate;
