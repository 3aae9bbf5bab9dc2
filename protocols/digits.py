"""The digits data set and what the learning protocols share: the fixed split, Poisson input
encoding, labelling of neurons by their responses, accuracy, baselines.

Data: scikit-learn's bundled copy of the UCI optical recognition of handwritten digits test set
(``sklearn.datasets.load_digits``: 1797 images of 8 x 8 pixels, grey levels 0-16, ten classes;
shipped inside scikit-learn, no download).  The split is fixed: ``train_test_split`` with
``test_size=600``, ``stratify=y``, ``random_state=0`` (1197 training, 600 held-out images).
"""
from __future__ import annotations

import numpy as np

from plasticity.models.core import PlasticityError

N_TEST = 600
SPLIT_SEED = 0
N_PIXELS = 64
GREY_MAX = 16.0


def load_split():
    """(X_train, y_train, X_test, y_test): grey levels 0..16 as floats, labels 0..9."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise PlasticityError("the digits protocols need scikit-learn (pip install "
                              "scikit-learn; 'make install' installs it)") from None
    d = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(d.data.astype(float), d.target.astype(int),
                                              test_size=N_TEST, stratify=d.target,
                                              random_state=SPLIT_SEED)
    return X_tr, y_tr, X_te, y_te


def poisson_slots(images, rate_max_hz, present_ms, rest_ms, dt_ms, rng, t0_ms=0.0):
    """Input spikes for a sequence of images, one slot of ``present_ms + rest_ms`` each: pixel p
    fires as a Poisson process of rate ``rate_max_hz * grey / 16`` during the presentation (at
    most one spike per time step, probability rate * dt in each step), silent in the rest.
    Returns (indices, times_ms) sorted by time, times on the dt grid."""
    n_steps = int(round(present_ms / dt_ms))
    slot = present_ms + rest_ms
    idx_all, t_all = [], []
    p = np.asarray(images, float) / GREY_MAX * rate_max_hz * dt_ms / 1000.0
    for k, prob in enumerate(p):
        hits = rng.random((n_steps, N_PIXELS)) < prob[None, :]
        step, pix = np.nonzero(hits)
        idx_all.append(pix)
        t_all.append(t0_ms + k * slot + step * dt_ms)
    idx = np.concatenate(idx_all) if idx_all else np.zeros(0, int)
    t = np.concatenate(t_all) if t_all else np.zeros(0)
    return idx.astype(np.int64), t


def slot_counts(spike_i, spike_t_ms, n_neurons, n_slots, slot_ms, t0_ms=0.0):
    """Spike counts (n_slots, n_neurons) per presentation slot."""
    spike_i = np.asarray(spike_i, int)
    k = np.floor((np.asarray(spike_t_ms, float) - t0_ms) / slot_ms + 1e-9).astype(int)
    ok = (k >= 0) & (k < n_slots)
    counts = np.zeros((n_slots, n_neurons))
    np.add.at(counts, (k[ok], spike_i[ok]), 1.0)
    return counts


def assign_labels(counts, labels, n_classes=10):
    """Each neuron's class: the class with the highest mean response (spikes per image of that
    class; Diehl & Cook 2015); -1 for a neuron that never responded."""
    rates = np.zeros((n_classes, counts.shape[1]))
    for c in range(n_classes):
        m = labels == c
        if m.any():
            rates[c] = counts[m].mean(axis=0)
    out = np.argmax(rates, axis=0)
    out[rates.max(axis=0) <= 0] = -1
    return out


def predict(counts, assignment, n_classes=10):
    """The class whose assigned neurons respond most on average (Diehl & Cook 2015); -1 where
    no neuron responded (counted as wrong)."""
    scores = np.full((counts.shape[0], n_classes), -1.0)
    for c in range(n_classes):
        m = assignment == c
        if m.any():
            scores[:, c] = counts[:, m].mean(axis=1)
    pred = np.argmax(scores, axis=1)
    pred[counts.sum(axis=1) == 0] = -1
    return pred


def learning_curve(counts, labels, block, window=None):
    """Online accuracy during training (Diehl & Cook's monitoring): the images of each block
    are classified with labels assigned from the responses to the ``window`` images before it
    (default: one block, D&C's).  Returns (images seen at the end of each block, accuracy)."""
    n = len(labels)
    window = window or block
    seen, acc = [], []
    for start in range(block, n - block + 1, block):
        prev = slice(max(0, start - window), start)
        cur = slice(start, start + block)
        a = assign_labels(counts[prev], labels[prev])
        acc.append(float(np.mean(predict(counts[cur], a) == labels[cur])))
        seen.append(start + block)
    return seen, acc


def logistic_regression(X_tr, y_tr, X_te, y_te):
    """Held-out accuracy of logistic regression on the pixels (scaled to 0..1; scikit-learn's
    default L2 penalty C = 1, lbfgs)."""
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(max_iter=5000)
    clf.fit(X_tr / GREY_MAX, y_tr)
    return float(clf.score(X_te / GREY_MAX, y_te))


def kmeans_ari(X, y, k, seed):
    """Adjusted Rand index of k-means (k clusters, 10 initialisations) on the pixels."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    lab = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(X / GREY_MAX)
    return float(adjusted_rand_score(y, lab))


def ari(y, clusters):
    from sklearn.metrics import adjusted_rand_score
    return float(adjusted_rand_score(y, clusters))
