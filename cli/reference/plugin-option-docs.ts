/**
 * Descriptions of the built-in plugins' options (`pluginOptions.<plugin>.<key>`), for the
 * generated configuration reference. The reference test fails when a built-in plugin reads
 * an option that has no entry here.
 */
import type { FieldDocs } from '../../core/index.js';

export const PLUGIN_OPTION_DOCS: FieldDocs = {
  'pluginOptions.zeromq.lingerMs': 'How long unsent messages may delay closing the channel.',
  'pluginOptions.zeromq.sendTimeoutMs': 'How long a reply may wait for a payload worker whose queue is full before the worker counts as gone (0: at once).',
  'pluginOptions.event.getEventRangesAttempts': 'Rounds of getEventRanges (each with the PanDA client\'s own retries) before the payload is told `No more events`.',
  'pluginOptions.event.finalFlushS': 'After the payload exited: how long uploads and range reports may still take; what is left stays in the range journal for `espilot recover`.',
  'pluginOptions.event.settleMs': 'After the payload exited: quiet time on the channel that proves its last messages were read.',
  'pluginOptions.event.allowOutputsOutsideWorkdir': 'Accept range output paths outside the job directory (containers that mount it elsewhere).',
  'pluginOptions.event.stdoutName': 'File name of the ES payload\'s stdout in the job directory.',
  'pluginOptions.event.stderrName': 'File name of the ES payload\'s stderr in the job directory.',
  'pluginOptions.atlas.athenaProcNumber': { text: 'ATHENA_PROC_NUMBER as the site pins it; a job whose core count differs is refused with CORECOUNTMISMATCH (1217). Unset: the job\'s core count.', default: '—' },
  'pluginOptions.atlas.tokenExtractor': 'The Token Extractor executable (found on the payload\'s PATH).',
  'pluginOptions.atlas.tokenExtractorSetup': 'Shell text run before the Token Extractor (the release setup).',
  'pluginOptions.atlas.mergeInputs': 'How merge inputs reach the transform: `list-file` (pilot3: `@inputFor_x.txt` with one path per line) or `placeholder` (pilot1: comma-joined paths in place of `@inputFor_x`).',
  'pluginOptions.glexec.path': 'The glexec executable; else `$GLEXEC_LOCATION/sbin/glexec`, `$OSG_GLEXEC_LOCATION`, `/usr/sbin/glexec`.',
  'pluginOptions.glexec.mkgltempdir': 'The `mkgltempdir` helper; default next to glexec. Without it the proxy sandbox is skipped.',
  'pluginOptions.glexec.timeoutMs': 'Deadline of the glexec ping and of each helper call.',
};
