"""Colours and fonts of the window: a colour-blind-safe palette, light and dark.

The data colours are the Okabe–Ito palette, distinguishable with the common forms of
colour blindness (Okabe M, Ito K (2008), Color Universal Design, https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Theme", "THEMES", "OKABE_ITO"]

#: Okabe–Ito colours by name.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}


@dataclass(frozen=True, slots=True)
class Theme:
    """One look of the window.

    Attributes
    ----------
    name : str
        ``light`` or ``dark``.
    background, panel, text, muted, grid : str
        Window background, tile background, main text, secondary text, plot grid.
    hr, breath, rr, artifact, rmssd, coherence, lf_band, pacer_line, breath_line : str
        Data colours (Okabe–Ito).
    pacer_fill, pacer_edge : str
        The breathing shape: soft, low-contrast colours that stay calm in either theme.
    pacer_ring : str
        The ring of a full breath behind the shape (drawn faint, at a fifth of its
        opacity, so it reads the same over the background and the warm light).
    pacer_glow : str
        The warm light that grows behind the shape as the rhythm settles (a soft
        apricot in both themes: warm, never red).
    """

    name: str
    background: str
    panel: str
    text: str
    muted: str
    grid: str
    hr: str = OKABE_ITO["vermillion"]
    breath: str = OKABE_ITO["sky"]
    rr: str = OKABE_ITO["blue"]
    artifact: str = OKABE_ITO["orange"]
    rmssd: str = OKABE_ITO["green"]
    coherence: str = OKABE_ITO["purple"]
    lf_band: str = "#56B4E933"
    pacer_line: str = OKABE_ITO["sky"]
    breath_line: str = OKABE_ITO["orange"]
    pacer_fill: str = "#A9D3EE"
    pacer_edge: str = "#4A8DBD"
    pacer_ring: str = "#4A8DBD"
    pacer_glow: str = "#F4BE7E"


THEMES = {
    "light": Theme("light", background="#FAFAF7", panel="#FFFFFF", text="#1F2328",
                   muted="#5F6B76", grid="#D0D4D9"),
    "dark": Theme("dark", background="#15191E", panel="#1E242B", text="#E8EAED",
                  muted="#9AA4AE", grid="#3A424B", pacer_fill="#3B6F93", pacer_edge="#86BCDF",
                  pacer_ring="#86BCDF", pacer_glow="#F2C28E"),
}  # fmt: skip
