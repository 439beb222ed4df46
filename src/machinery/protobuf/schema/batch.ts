// Protobuf field tables for batch/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.batch.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  'k8s.io.api.batch.v1.Job': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.batch.v1.JobSpec; 3 status k8s.io.api.batch.v1.JobStatus',
  'k8s.io.api.batch.v1.JobSpec': '1 parallelism int32 ?; 2 completions int32 ?; 3 activeDeadlineSeconds int64 ?; 4 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 5 manualSelector bool ?; 6 template k8s.io.api.core.v1.PodTemplateSpec; 7 backoffLimit int32 ?; 8 ttlSecondsAfterFinished int32 ?; 9 completionMode string ?; 10 suspend bool ?; 11 podFailurePolicy k8s.io.api.batch.v1.PodFailurePolicy; 12 backoffLimitPerIndex int32 ?; 13 maxFailedIndexes int32 ?; 14 podReplacementPolicy string ?; 15 managedBy string ?; 16 successPolicy k8s.io.api.batch.v1.SuccessPolicy',
  'k8s.io.api.batch.v1.PodFailurePolicy': '1 rules k8s.io.api.batch.v1.PodFailurePolicyRule *',
  'k8s.io.api.batch.v1.PodFailurePolicyRule': '1 action string; 2 onExitCodes k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement; 3 onPodConditions k8s.io.api.batch.v1.PodFailurePolicyOnPodConditionsPattern *',
  'k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement': '1 containerName string ?; 2 operator string; 3 values int32 *',
  'k8s.io.api.batch.v1.PodFailurePolicyOnPodConditionsPattern': '1 type string; 2 status string',
  'k8s.io.api.batch.v1.SuccessPolicy': '1 rules k8s.io.api.batch.v1.SuccessPolicyRule *',
  'k8s.io.api.batch.v1.SuccessPolicyRule': '1 succeededIndexes string ?; 2 succeededCount int32 ?',
  'k8s.io.api.batch.v1.JobStatus': '1 conditions k8s.io.api.batch.v1.JobCondition *; 2 startTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 3 completionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 active int32; 5 succeeded int32; 6 failed int32; 7 completedIndexes string; 8 uncountedTerminatedPods k8s.io.api.batch.v1.UncountedTerminatedPods; 9 ready int32 ?; 10 failedIndexes string ?; 11 terminating int32 ?',
  'k8s.io.api.batch.v1.JobCondition': '1 type string; 2 status string; 3 lastProbeTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 5 reason string; 6 message string',
  'k8s.io.api.batch.v1.UncountedTerminatedPods': '1 succeeded string *; 2 failed string *',

  'k8s.io.api.batch.v1.CronJob': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.batch.v1.CronJobSpec; 3 status k8s.io.api.batch.v1.CronJobStatus',
  'k8s.io.api.batch.v1.CronJobSpec': '1 schedule string; 2 startingDeadlineSeconds int64 ?; 3 concurrencyPolicy string; 4 suspend bool ?; 5 jobTemplate k8s.io.api.batch.v1.JobTemplateSpec; 6 successfulJobsHistoryLimit int32 ?; 7 failedJobsHistoryLimit int32 ?; 8 timeZone string ?',
  'k8s.io.api.batch.v1.JobTemplateSpec': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.batch.v1.JobSpec',
  'k8s.io.api.batch.v1.CronJobStatus': '1 active k8s.io.api.core.v1.ObjectReference *; 4 lastScheduleTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 5 lastSuccessfulTime k8s.io.apimachinery.pkg.apis.meta.v1.Time',
};
