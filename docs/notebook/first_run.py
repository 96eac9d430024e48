# %% [markdown]
# # foramen from a notebook
#
# Runs the embedded default scenario, compares two policies, draws
# their recovery curves from the frames and runs a small probabilistic
# analysis. Open it in Jupyter or VS Code
# (cells are marked `# %%`) or run it as a script; the package's tests
# run it as a script with a small cohort (FORAMEN_PATIENTS) and a
# folder for the figure (FORAMEN_FIGURES).

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl

import foramen

patients = int(os.environ.get("FORAMEN_PATIENTS", "50000"))
figures = Path(os.environ.get("FORAMEN_FIGURES", "."))

# %% [markdown]
# ## The default scenario

# %%
scenario = foramen.Scenario.default()
print(scenario.describe()[:600])
results = foramen.run(scenario, patients=patients, seed=1)
results.summary.select("policy", "recovered", "recovered_lo", "recovered_hi", "median_days")

# %% [markdown]
# ## Two policies, patient by patient
#
# comparison.csv's rows: each policy against the reference (the first),
# paired on the same patients (common random numbers).

# %%
pair = results.comparison.filter(pl.col("policy") == "early-surgery")
print(pair.select("policy", "outcome", "difference", "paired_lo", "paired_hi"))

# %% [markdown]
# ## Recovery curves from the frames

# %%
curves = results.curves
fig, ax = plt.subplots(figsize=(7, 4))
for policy in ["stepwise", "early-surgery"]:
    c = curves.filter((pl.col("policy") == policy) & (pl.col("curve") == "recovered"))
    ax.plot(c["day"] / 30.44, c["value"], label=policy)
    ax.fill_between(c["day"] / 30.44, c["lo"], c["hi"], alpha=0.2)
ax.set_title("Cumulative recovery (shaded: Monte Carlo 95% interval)")
ax.set_xlabel("months")
ax.set_ylabel("recovered (cumulative)")
ax.legend()
figure = figures / "recovery_two_policies.png"
fig.savefig(figure, dpi=100, bbox_inches="tight")
print(f"wrote {figure}")

# %% [markdown]
# ## A small probabilistic analysis
#
# Draws of the scenario's distributions of belief, each an inner cohort;
# the cost-effectiveness acceptability curve from the frames.

# %%
analysis = foramen.psa(
    scenario,
    draws=int(os.environ.get("FORAMEN_DRAWS", "200")),
    patients=int(os.environ.get("FORAMEN_PSA_PATIENTS", "2000")),
)
ceac = analysis.ceac
print(ceac.filter(pl.col("willingness_to_pay") == ceac["willingness_to_pay"].min()))
fig, ax = plt.subplots(figsize=(7, 4))
for policy in ceac["policy"].unique(maintain_order=True):
    c = ceac.filter(pl.col("policy") == policy)
    ax.plot(c["willingness_to_pay"], c["probability"], label=policy)
ax.set_title("Probability each policy has the highest net benefit")
ax.set_xlabel("willingness to pay per QALY")
ax.set_ylabel("probability")
ax.legend(fontsize=8)
figure = figures / "ceac.png"
fig.savefig(figure, dpi=100, bbox_inches="tight")
print(f"wrote {figure}")
