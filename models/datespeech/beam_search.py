"""Beam search under the date rule, as `xattn transcribe` runs it for a date model: the Python twin of
runtime/src/search/search.cpp's beam_search with the date rule's hook (runtime/src/search/date_rule.cpp).

A step's scores are the model's log-softmax over its whole vocabulary, and the rule then masks the
tokens it does not allow (LogitHook::on_log_probs): a hypothesis scores the model's own probability of
its tokens, so a digit the rule forces against the model (a day that must fall on the weekday heard)
costs its score, and a beam whose date the model heard as a whole can win. Each step keeps 2 x beam
candidates over all live hypotheses (CTranslate2's search): a candidate among the first `beam` that
ends is finished and its place goes to the next candidate beyond the beam that does not end; the
search stops when `beam` hypotheses have finished. The answer is the finished hypothesis of the best
score / length (length penalty 1; the length counts the end token), the first finished on a tie.
"""
import functools

import torch

import date_rule

# The beam a date model decodes with: runtime/include/xattn/date_rule.h's kDateRuleBeam (XATTN_DATE_RULE_BEAM).
DATE_RULE_BEAM = 4


@functools.lru_cache(maxsize=None)
def _rule(vocab, generated, weekday_penalty):
    scores = date_rule.token_scores(list(vocab), list(generated), weekday_penalty)
    return list(scores), list(scores.values())


def cross_keys_values(model, audio):
    """Every decoder block's cross-attention keys and values of the clips, computed once (whisper's kv_cache
    entries: the block then uses them instead of projecting the audio again for each hypothesis and step)."""
    out = {}
    for block in model.decoder.blocks:
        out[block.cross_attn.key] = block.cross_attn.key(audio)
        out[block.cross_attn.value] = block.cross_attn.value(audio)
    return out


def prefix_cache(cross):
    """whisper's kv_cache for a decoder call given the whole prefix: the cross-attention entries only
    (self-attention is computed in full, as without a cache). The decoder reads its positions' offset
    from the cache's first entry, so an empty one comes first: 0."""
    cache = {"offset": torch.empty(1, 0)}
    cache.update(cross)
    return cache


def _step_scores(model, audio, cross, rows, vocab, sot, weekday_penalty):
    """Masked log-probabilities [len(rows), vocab] of the next token after each (clip, generated) row."""
    tokens = torch.tensor([[sot] + list(g) for _, g in rows])
    clips = torch.tensor([c for c, _ in rows])
    cache = prefix_cache({module: kv.index_select(0, clips) for module, kv in cross.items()})
    logits = model.decoder(tokens, audio.index_select(0, clips), kv_cache=cache)[:, -1, :].float()
    scores = torch.log_softmax(logits, -1)
    mask = torch.full_like(scores, float("-inf"))
    for r, (_, generated) in enumerate(rows):
        ids, offsets = _rule(vocab, generated, weekday_penalty)
        mask[r, ids] = torch.tensor(offsets)
    return scores + mask


@torch.no_grad()
def decode(model, mel, beam, vocab, sot, eot, batch=25, weekday_penalty=date_rule.WEEKDAY_PENALTY):
    """The date-rule beam search on log-mel [clips, 80, frames]: one token list per clip (the weekday
    token, when there is one, and the date's characters; no start or end token)."""
    was_training = model.training
    model.eval()
    vocab = tuple(vocab)
    max_length = model.dims.n_text_ctx
    out = []
    for first in range(0, len(mel), batch):
        audio = model.embed_audio(mel[first:first + batch])
        cross = cross_keys_values(model, audio)
        n = len(audio)
        alive = [[((), 0.0)] for _ in range(n)]  # per clip: (generated, score) of its live hypotheses
        finished = [[] for _ in range(n)]        # per clip: (score, length, generated)
        for step in range(max_length):
            live = [c for c in range(n) if alive[c]]
            if not live:
                break
            rows = [(c, g) for c in live for g, _ in alive[c]]
            scores = _step_scores(model, audio, cross, rows, vocab, sot, weekday_penalty)
            at = 0
            last = step + 1 == max_length
            for c in live:
                k_rows = len(alive[c])
                base = torch.tensor([s for _, s in alive[c]])[:, None]
                flat = (scores[at:at + k_rows] + base).reshape(-1)
                at += k_rows
                top, ids = flat.topk(min(2 * beam, flat.numel()))
                top, ids = top.tolist(), ids.tolist()
                width = scores.shape[1]
                chosen, secondary = [], beam
                for k in range(beam):
                    pick = k
                    token = ids[k] % width
                    if token == eot or last:
                        generated = alive[c][ids[k] // width][0] + (token,)
                        finished[c].append((top[k], len(generated), generated))
                        for j in range(secondary, len(ids)):
                            if ids[j] % width != eot:
                                pick, secondary = j, j + 1
                                break
                    chosen.append(pick)
                if last or len(finished[c]) >= beam:
                    alive[c] = []
                    continue
                alive[c] = [(alive[c][ids[p] // width][0] + (ids[p] % width,), top[p]) for p in chosen]
        for c in range(n):
            kept = [f for f in finished[c] if f[0] > float("-inf")]
            best = max(range(len(kept)), key=lambda i: (kept[i][0] / kept[i][1], -i))
            out.append([t for t in kept[best][2] if t != eot])
    model.train(was_training)
    return out
