// Field arithmetic takes the address of many scratch locals (Math.BigMul's out parameter); zeroing them
// on every call costs more than the multiplication. Every stackalloc here is written before it is read.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
