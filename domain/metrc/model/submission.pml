/*
 * The METRC submission protocol of one submission, for the Spin model checker
 * (test/unit/metrc/protocol-model.test.ts runs it; `spin -a submission.pml && cc -o pan pan.c
 * && ./pan` by hand).
 *
 * Time is a discrete clock. The hub sends a write; METRC may commit it (answer delivered or
 * lost), refuse it (400/401/403/429: not committed, answered), or lose it without committing.
 * The client gives up after TIMEOUT ticks (an ambiguous outcome). After an ambiguous outcome the
 * hub looks for the record by its identity (exact: a found record is this submission's), adopts
 * it when found, and sends again only once a check made WINDOW ticks or more after the last send
 * found nothing. Attempts are bounded: when they are spent the submission is parked (a dead
 * letter waiting for a person; a person's retry starts the same protocol again).
 *
 * The assumption about METRC the proof rests on (encoded in the clock's guard below): a write
 * METRC has not committed PROC ticks after it was sent never commits, i.e. METRC's processing of
 * a request is bounded; and an identity look-up sees every record committed before it. With
 * WINDOW > PROC no write can still be in flight when a re-send goes out.
 *
 * Properties: never two live records for the submission (the assertion in Metrc), and every
 * run ends with the submission succeeded or parked (no invalid end state; the final assertion).
 * Compile with -DWINDOW=0 for the protocol without a settle window: Spin then finds the trace of
 * issue 23 (send, timeout, check finds nothing, re-send commits, the first write commits late).
 * -DLATE_COMMIT breaks the assumption (METRC commits whenever it likes): two live records can
 * then exist for a while, and the sweep (below) is what brings every run back to one.
 */
#ifndef WINDOW
#define WINDOW 3
#endif
#define PROC 2
#define TIMEOUT 1
#define MAXW 3

mtype = { none, succeeded, parked };

byte now = 0;
byte live = 0;              /* live records of this submission in METRC */
bool inflight[MAXW];        /* sent, neither committed nor refused nor lost yet */
bool answered[MAXW];        /* committed and the answer reached the client */
bool refused[MAXW];         /* METRC answered that it did not commit (4xx, 429) */
byte sentAt[MAXW];
byte nsent = 0;
mtype outcome = none;
bool waiting = false;       /* the hub waits for time to pass (an answer, its timeout, a backoff) */
byte wakeAt = 0;            /* ...until this tick at the latest */
byte cur = 0;               /* the write the hub sent last */

/*
 * A write may still be open at the next tick only while it is within METRC's processing limit.
 * LATE_COMMIT drops the limit (the assumption broken): METRC may commit whenever it likes.
 */
#ifdef LATE_COMMIT
#define OPEN_OK(i) true
#define COMMITTED live++
#else
#define OPEN_OK(i) (!inflight[i] || now + 1 - sentAt[i] <= PROC)
#define COMMITTED live++; assert(live <= 1)
#endif
#define ALL_OPEN_OK (OPEN_OK(0) && OPEN_OK(1) && OPEN_OK(2))
#define NONE_INFLIGHT (!inflight[0] && !inflight[1] && !inflight[2])

/*
 * Time passes only while the hub waits for it and not beyond what it waits for (its timeout, the
 * end of a back-off, or an answer that has arrived), and never past METRC's processing limit of
 * an open write: METRC must have resolved it first. That last guard is the assumption.
 */
active proctype Clock() {
  do
  :: atomic { waiting && now < wakeAt && !answered[cur] && !refused[cur] && ALL_OPEN_OK -> now++ }
  :: atomic { outcome != none && NONE_INFLIGHT -> break }
  od
}

/* METRC resolves each write once, within PROC ticks of its sending (the clock waits for it). */
inline resolve(i) {
  if
  :: COMMITTED                                                  /* commits; the answer is lost or too late */
  :: now < sentAt[i] + TIMEOUT -> COMMITTED; answered[i] = true /* commits and answers in time */
  :: now < sentAt[i] + TIMEOUT -> refused[i] = true                              /* refuses: 400/401/403/429, nothing written */
  :: skip                                                                        /* loses it: never commits */
  fi;
  inflight[i] = false
}

active proctype Metrc() {
  do
  :: atomic { inflight[0] -> resolve(0) }
  :: atomic { inflight[1] -> resolve(1) }
  :: atomic { inflight[2] -> resolve(2) }
  :: atomic { outcome != none && NONE_INFLIGHT -> break }
  od
}

active proctype Hub() {
  byte w;
  byte lastSent;
  byte seen;
  bool found;
send:
  if
  :: nsent == MAXW -> outcome = parked; goto fin
  :: else -> skip
  fi;
  atomic { w = nsent; cur = w; inflight[w] = true; sentAt[w] = now; lastSent = now; nsent++; wakeAt = now + TIMEOUT; waiting = true };
  if
  :: atomic { answered[w] -> waiting = false; outcome = succeeded }; goto fin
  :: atomic { refused[w] -> waiting = false }; goto send      /* definitely not committed: no settling needed */
  :: atomic { now >= sentAt[w] + TIMEOUT && !answered[w] && !refused[w] -> waiting = false }; goto settle   /* ambiguous */
  fi;
settle:
  do
  :: atomic { found = (live > 0); seen = now };  /* look the record up by its identity */
     if
     :: found -> outcome = succeeded; goto fin   /* adopt it */
     :: !found && seen >= lastSent + WINDOW -> break
     :: !found && seen < lastSent + WINDOW -> wakeAt = now + 1; waiting = true; (now != seen); waiting = false   /* back off */
     fi
  od;
  goto send;
fin:
  /* Every run ends succeeded or parked, whatever METRC still does with writes in flight. */
  assert(outcome == succeeded || outcome == parked)
}

/*
 * The duplicate sweep: looks again while the submission is done and once more after METRC has
 * resolved every write, voiding extras (live back to one). In the code it repairs succeeded
 * submissions; a parked one is adopted by a person's retry first, which the model folds in.
 * With the assumption it never has anything to do (live never exceeds one); with
 * LATE_COMMIT it is what restores one live record (NO_SWEEP shows that nothing else does) —
 * provided METRC has committed by the sweep's last round (6 h by default): the model's final
 * look comes after every write has resolved.
 */
active proctype Sweep() {
#ifndef NO_SWEEP
  do
  :: atomic { outcome != none && live > 1 -> live = 1 }
  :: atomic { outcome != none && NONE_INFLIGHT -> break }
  od;
  atomic {
    if
    :: live > 1 -> live = 1     /* the last round's repair */
    :: else -> skip
    fi
  };
#else
  (outcome != none && NONE_INFLIGHT);
#endif
  assert(live <= 1)
}

