"use strict";
// Clean-up on stack deletion for destroyable environments (finefinds_constructs._internal.teardown).
//
// Two resource types share this handler; each acts on Delete only, and only while the whole stack
// is being deleted (see stackIsBeingDeleted):
//
// * Custom::AcmValidationRecordsCleanup deletes ACM's DNS-validation CNAMEs from a hosted zone.
//   CloudFormation's certificate handler creates them in the zone but never deletes them
//   (cloudformation-coverage-roadmap #837, #1603), so deleting the zone fails with HostedZoneNotEmpty.
// * Custom::BackupVaultRecoveryPointsCleanup deletes a backup vault's recovery points and waits
//   until the vault is empty: AWS Backup deletes only empty vaults, and deletes recovery points
//   asynchronously with the caller's permissions (the role must outlive the deletion).
const { CloudFormationClient, DescribeStacksCommand } = require("@aws-sdk/client-cloudformation");
const {
  Route53Client,
  ListResourceRecordSetsCommand,
  ChangeResourceRecordSetsCommand,
} = require("@aws-sdk/client-route-53");
const {
  BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  DeleteRecoveryPointCommand,
  ListBackupJobsCommand,
  ListCopyJobsCommand,
} = require("@aws-sdk/client-backup");

const ACM_VALIDATION_TARGET = /\.acm-validations\.aws\.?$/;
const POLL_MILLIS = 20000;
// Time kept back to report to CloudFormation before Lambda's timeout.
const REPORT_MILLIS = 60000;

exports.handler = async (event, context) => {
  if (event.RequestType !== "Delete") return {};
  if (!(await stackIsBeingDeleted(event.StackId))) {
    console.log("the stack is not being deleted (resource removed, replaced or rolled back): nothing to clean up");
    return {};
  }
  const props = event.ResourceProperties;
  switch (event.ResourceType) {
    case "Custom::AcmValidationRecordsCleanup":
      await deleteValidationRecords(props.HostedZoneId);
      return {};
    case "Custom::BackupVaultRecoveryPointsCleanup":
      await emptyVault(props.BackupVaultName, props.BackupVaultArn, Date.now() + context.getRemainingTimeInMillis() - REPORT_MILLIS);
      return {};
    default:
      throw new Error(`unknown resource type ${event.ResourceType}`);
  }
};

// CloudFormation also deletes a custom resource that is removed from the template, replaced, or
// rolled back: the zone or vault it cleans up is then kept, and its contents must stay.
async function stackIsBeingDeleted(stackId) {
  const cloudformation = new CloudFormationClient({});
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
  const status = Stacks?.[0]?.StackStatus;
  console.log(`stack status: ${status}`);
  return status === "DELETE_IN_PROGRESS";
}

// ------------------------------------------------------------------------------------------ zones
function isValidationRecord(record) {
  const values = (record.ResourceRecords ?? []).map((r) => r.Value);
  return record.Type === "CNAME" && record.Name.startsWith("_") && values.length > 0 && values.every((v) => ACM_VALIDATION_TARGET.test(v));
}

async function deleteValidationRecords(hostedZoneId) {
  const route53 = new Route53Client({});
  const stale = [];
  let page = { IsTruncated: true };
  let params = { HostedZoneId: hostedZoneId };
  try {
    while (page.IsTruncated) {
      page = await route53.send(new ListResourceRecordSetsCommand(params));
      stale.push(...(page.ResourceRecordSets ?? []).filter(isValidationRecord));
      params = {
        HostedZoneId: hostedZoneId,
        StartRecordName: page.NextRecordName,
        StartRecordType: page.NextRecordType,
        StartRecordIdentifier: page.NextRecordIdentifier,
      };
    }
  } catch (error) {
    if (error.name === "NoSuchHostedZone") return;
    throw error;
  }
  // A DELETE must repeat the record exactly as listed; a change batch holds at most 1,000 changes.
  for (let i = 0; i < stale.length; i += 100) {
    const changes = stale.slice(i, i + 100).map((record) => ({ Action: "DELETE", ResourceRecordSet: record }));
    await route53.send(new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: { Comment: "ACM validation records of a deleted stack", Changes: changes },
    }));
  }
  console.log(`deleted ${stale.length} ACM validation record(s) from ${hostedZoneId}`);
}

// ------------------------------------------------------------------------------------------ vaults
async function pages(client, makeCommand, key) {
  const items = [];
  let token;
  do {
    const page = await client.send(makeCommand(token));
    items.push(...(page[key] ?? []));
    token = page.NextToken;
  } while (token);
  return items;
}

async function activeJobs(backup, vaultName, vaultArn) {
  let count = 0;
  for (const state of ["CREATED", "PENDING", "RUNNING", "ABORTING"]) {
    const jobs = await pages(backup, (NextToken) => new ListBackupJobsCommand({ ByBackupVaultName: vaultName, ByState: state, NextToken }), "BackupJobs");
    count += jobs.length;
  }
  for (const state of ["CREATED", "RUNNING"]) {
    const jobs = await pages(backup, (NextToken) => new ListCopyJobsCommand({ ByDestinationVaultArn: vaultArn, ByState: state, NextToken }), "CopyJobs");
    count += jobs.length;
  }
  return count;
}

async function emptyVault(vaultName, vaultArn, deadline) {
  const backup = new BackupClient({});
  for (;;) {
    let points;
    try {
      points = await pages(backup, (NextToken) => new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vaultName, NextToken }), "RecoveryPoints");
    } catch (error) {
      if (error.name === "ResourceNotFoundException") return; // the vault is already gone
      throw error;
    }
    // A job still running adds its recovery point later: wait for it too.
    const jobs = await activeJobs(backup, vaultName, vaultArn);
    if (points.length === 0 && jobs === 0) {
      console.log(`backup vault ${vaultName} is empty`);
      return;
    }
    for (const point of points.filter((p) => p.Status !== "DELETING")) {
      try {
        await backup.send(new DeleteRecoveryPointCommand({ BackupVaultName: vaultName, RecoveryPointArn: point.RecoveryPointArn }));
      } catch (error) {
        // Busy (being created or copied): the next round tries again.
        if (error.name !== "InvalidResourceStateException") throw error;
      }
    }
    if (Date.now() + POLL_MILLIS > deadline) {
      const statuses = [...new Set(points.map((p) => p.Status))].join(", ");
      throw new Error(
        `backup vault ${vaultName} still holds ${points.length} recovery point(s) (${statuses}) and ${jobs} running job(s); ` +
        "delete the stack again once they are gone (EXPIRED ones may need permissions this role lacks: delete them in the AWS Backup console)",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MILLIS));
  }
}
