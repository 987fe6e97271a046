// Custom search attributes: find runs in the Web UI by forge, repository, event, PR/issue number and state.
// Imported by workflow code too, so it holds constants only.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AofRepository = defineSearchAttributeKey('AofRepository', SearchAttributeType.KEYWORD);
export const AofEvent = defineSearchAttributeKey('AofEvent', SearchAttributeType.KEYWORD);
export const AofNumber = defineSearchAttributeKey('AofNumber', SearchAttributeType.INT);
export const AofState = defineSearchAttributeKey('AofState', SearchAttributeType.KEYWORD);
export const AofTrigger = defineSearchAttributeKey('AofTrigger', SearchAttributeType.KEYWORD);
/** What a run is: event, gate, review, flow, agent, fleet, lock, quota or reply. */
export const AofKind = defineSearchAttributeKey('AofKind', SearchAttributeType.KEYWORD);
/** The forge a run acts on: github, gitlab or bitbucket (AofRepository is that forge's project path). */
export const AofForge = defineSearchAttributeKey('AofForge', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [AofRepository, AofEvent, AofNumber, AofState, AofTrigger, AofKind, AofForge];
