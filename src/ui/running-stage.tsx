// One running stage: a progress bar with counts and ETA, and for training the loss and accuracy curves so far.

import { Box, Text } from 'ink';
import { sparkline } from '../charts/sparkline.js';
import type { StageView } from './run-state.js';
import { formatDuration, progressBar } from './progress-text.js';
import { STAGE_SYMBOL } from './stage-symbols.js';

const BAR_WIDTH = 24;
const SPARK_WIDTH = 24;

export interface RunningStageProps {
  stage: StageView;
  now: number;
  fraction?: number;
  eta?: number;
  /** Ids are padded to this width so that the bars of several running stages line up. */
  idWidth: number;
}

export function RunningStage({ stage, now, fraction, eta, idWidth }: RunningStageProps) {
  const elapsed = stage.startedAt === undefined ? undefined : now - stage.startedAt;
  const details = [stage.worker ? `on ${stage.worker}` : undefined, counts(stage), elapsed === undefined ? undefined : formatDuration(elapsed), eta === undefined ? undefined : `eta ${formatDuration(eta)}`];
  return (
    <Box flexDirection="column">
      <Box>
        <Text color={STAGE_SYMBOL.running.color}>{STAGE_SYMBOL.running.symbol} </Text>
        <Text>{stage.id.padEnd(idWidth)} </Text>
        {fraction === undefined ? null : <Text color="yellow">{progressBar(fraction, BAR_WIDTH)} </Text>}
        <Text color="gray">{details.filter(Boolean).join(' · ')}</Text>
      </Box>
      {stage.epochs.length ? <Curves stage={stage} /> : null}
      {stage.lastLog ? (
        <Box marginLeft={2}>
          <Text color={stage.lastLog.level === 'warn' ? 'yellow' : 'gray'} wrap="truncate-end">
            {stage.lastLog.message}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

function counts(s: StageView): string | undefined {
  const parts: string[] = [];
  if (s.epochsTotal) parts.push(`epoch ${s.epochs.at(-1)?.epoch ?? 0}/${s.epochsTotal}`);
  else if (s.batch) parts.push(`epoch ${s.batch.epoch}`);
  if (s.batch) parts.push(`batch ${s.batch.batch}/${s.batch.batches}`);
  if (!parts.length && s.progress) parts.push(`${s.progress.done}/${s.progress.total} ${s.progress.unit}`);
  return parts.length ? parts.join(' · ') : undefined;
}

function Curves({ stage }: { stage: StageView }) {
  const last = stage.epochs[stage.epochs.length - 1];
  const series = (pick: (e: StageView['epochs'][number]) => number): string => sparkline(stage.epochs.map(pick), SPARK_WIDTH);
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(6);
  return (
    <Box flexDirection="column" marginLeft={2}>
      <Text>
        <Text color="gray">loss </Text>
        <Text color="blue">{series((e) => e.loss)}</Text> {last.loss.toFixed(4)}
        <Text color="gray">  val </Text>
        <Text color="magenta">{series((e) => e.valLoss)}</Text> {last.valLoss.toFixed(4)}
      </Text>
      <Text>
        <Text color="gray">acc  </Text>
        <Text color="blue">{series((e) => e.accuracy)}</Text> {pct(last.accuracy)}
        <Text color="gray">  val </Text>
        <Text color="magenta">{series((e) => e.valAccuracy)}</Text> {pct(last.valAccuracy)}
      </Text>
    </Box>
  );
}
