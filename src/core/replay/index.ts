// Replay and fork (issue 10), the pure half: what the recording proxy in src/server consults in
// replay mode, and what "Edit and re-send" and the fork link are built from. See
// docs/architecture.md, "Replay and fork".
export { apiForPath, apiName, parseRequest, serializeRequest, buildRequestBody, MODEL_APIS } from './requestShape';
export type { ModelApi, NeutralMessage, NeutralTool, NeutralToolCall, RequestView, ParseResult } from './requestShape';
export { requestHash, hashedPart, VOLATILE_FIELDS } from './requestHash';
export { planReplay, ReplayMatcher, replayErrorBody, REPLAY_ERROR_STATUS } from './replayPlan';
export type {
  RecordedCall, ForkEdit, RequestEdit, ResponseEdit, ReplayPlanInput, IncomingRequest, ReplayDecision, ReplayReport, CallReport, CallOutcome,
} from './replayPlan';
export { describeDifference } from './shapeChange';
export { synthesizeResponse, synthesisOptionsFor, SSE_CONTENT_TYPE, JSON_CONTENT_TYPE } from './synthesizeResponse';
export type { ReplacementResponse, ReplacementToolCall, SynthesisOptions, SynthesizedResponse } from './synthesizeResponse';
export { draftFromSpan, draftFromRequest, requestFromDocument, checkDocument, API_PATHS, DEFAULT_ANTHROPIC_MAX_TOKENS } from './resendRequest';
export type { ModelRequestDocument, DocumentMessage, DocumentTool, DocumentToolCall, ResendDraft, DocumentRequest } from './resendRequest';
export {
  forkResourceFragment, withForkResourceAttributes, forkLinkOf, forkSpanLink, parseResourceAttributesEnv, encodeResourceValue,
  FORK_OF_ATTRIBUTE, FORK_STEP_ATTRIBUTE,
} from './forkLink';
export type { ForkLink } from './forkLink';
export { forkEditDocument, forkEditFromDocument, FORK_EDIT_KINDS, FORK_EDIT_LABELS } from './forkEdit';
export type { ForkEditKind, ForkEditResult, ResponseEditDocument } from './forkEdit';
export { callProblems, runProblems, liveCallProblem, upstreamErrorMessage } from './problems';
export type { ReplayProblem, ReplayProblemKind, LiveOutcome } from './problems';
export { forkStepDiff, diffRequestBodies, lineDiff, REQUEST_SECTION_LABELS } from './forkStepDiff';
export type { ForkStepDiff, RecordedStepCall, RequestBodyDiff, RequestSection, SectionDiff, LinePart } from './forkStepDiff';
